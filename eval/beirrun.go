package eval

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// BEIRRun measures a ranker on queries with graded relevance judgments.
type BEIRRun struct {
	Dataset  string
	Split    string
	Ranker   string
	Rank     Ranker
	Workers  int
	Progress func(done int)
}

// BEIRResult holds the trec_eval-style figures of a run, averaged over
// the judged queries.
type BEIRResult struct {
	Dataset   string                    `json:"dataset"`
	Split     string                    `json:"split"`
	Ranker    string                    `json:"ranker"`
	N         int                       `json:"n"`
	NDCG10    float64                   `json:"ndcg@10"`
	Recall100 float64                   `json:"recall@100"`
	MRR10     float64                   `json:"mrr@10"`
	Latency   map[string]LatencySummary `json:"latency"`
	ElapsedMS float64                   `json:"elapsed_ms"`
	// Queries holds each judged query's figures and ranking, ordered by
	// query ID: for paired comparisons and TREC run files.
	Queries []QueryResult `json:"-"`
}

// A QueryResult is one query's figures in a BEIRRun, and its ranking of
// documents in trec_eval's order.
type QueryResult struct {
	ID        string
	NDCG10    float64
	Recall100 float64
	MRR10     float64
	Run       []Scored
}

// Run evaluates every judged query. Passages are mapped to their
// documents, each document keeping its best passage's score.
func (r BEIRRun) Run(ctx context.Context, queries map[string]string, qrels map[string]map[string]int) (*BEIRResult, error) {
	start := time.Now()
	var ids []string
	for id := range qrels {
		if _, ok := queries[id]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		// Usually a mix-up of files: say what each held.
		return nil, fmt.Errorf("no query has relevance judgments: %d queries read, judgments for %d query IDs, none in common (are --queries and --qrels from the same dataset?)", len(queries), len(qrels))
	}
	sort.Strings(ids)
	type outcome struct {
		ndcg, recall, mrr float64
		run               []Scored
		stages            map[string]float64
	}
	out := make([]outcome, len(ids))
	workers := max(r.Workers, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	done := 0
	jobs := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				cands, stages, err := r.Rank(ctx, queries[ids[i]])
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				if err != nil {
					continue
				}
				if len(stages) == 0 {
					stages = map[string]float64{"retrieve": ms(time.Since(t0))}
				}
				best := map[string]float64{}
				var run []Scored
				for _, c := range cands {
					d := c.Passage.DocID
					if _, ok := best[d]; ok {
						continue
					}
					// trec_eval re-sorts by score (ties by document ID), so
					// the ranker's own scores are passed through.
					best[d] = c.Score
					run = append(run, Scored{ID: d, Score: c.Score})
				}
				q := Qrels(qrels[ids[i]])
				out[i] = outcome{NDCG(run, q, 10), Recall(run, q, 100), MRR(run, q, 10), trecOrder(run), stages}
				mu.Lock()
				done++
				if r.Progress != nil {
					r.Progress(done)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range ids {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	res := &BEIRResult{Dataset: r.Dataset, Split: r.Split, Ranker: r.Ranker, N: len(ids), Latency: map[string]LatencySummary{}}
	var nd, rc, mr []float64
	stages := map[string][]float64{}
	for i, o := range out {
		nd, rc, mr = append(nd, o.ndcg), append(rc, o.recall), append(mr, o.mrr)
		res.Queries = append(res.Queries, QueryResult{ID: ids[i], NDCG10: o.ndcg, Recall100: o.recall, MRR10: o.mrr, Run: o.run})
		for k, v := range o.stages {
			stages[k] = append(stages[k], v)
		}
	}
	res.NDCG10, res.Recall100, res.MRR10 = Mean(nd), Mean(rc), Mean(mr)
	for k, v := range stages {
		res.Latency[k] = Summarize(v)
	}
	res.ElapsedMS = ms(time.Since(start))
	return res, nil
}
