package rerank

import (
	"context"
	"sort"
	"strconv"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// givenKey keeps passages sent to RerankGiven apart from the collections'
// in the cache of analyzed passages.
const givenKey = "\x00given"

// RerankGiven re-ranks passages that are in no index: a caller's own
// search results, in the caller's order, which stands in for the first
// stage's (as a hybrid list's does). The model also reads BM25 scores,
// which are worked out here as Bleve's BM25 query over title and text
// would score them. Words are weighed by how many passages hold them:
// those of stats when given (a collection of similar text), else the
// given passages. Each result's Passage.ID is its place in ps ("0", "1",
// ...).
func (r *Reranker) RerankGiven(ctx context.Context, stats Stats, question string, ps []corpus.Passage) ([]retriever.Candidate, error) {
	ps = append([]corpus.Passage(nil), ps...)
	docs := make([]*doc, len(ps))
	for i := range ps {
		ps[i].ID = strconv.Itoa(i)
		docs[i] = r.analyzed(givenKey+"\x00"+ps[i].ID, ps[i])
	}
	if stats == nil {
		stats = listStats(docs)
	}
	qterms := distinct(index.Terms(question))
	df, n, err := stats.DocFreqs(ctx, qterms)
	if err != nil {
		return nil, err
	}
	scores := bm25(docs, qterms, idfFunc(df, n))
	byScore := make([]int, len(ps))
	for i := range byScore {
		byScore[i] = i
	}
	sort.SliceStable(byScore, func(a, b int) bool { return scores[byScore[a]] > scores[byScore[b]] })
	cands := make([]retriever.Candidate, len(ps))
	for i, p := range ps {
		cands[i] = retriever.Candidate{Passage: p, Rank: i + 1}
	}
	for rank, i := range byScore {
		if scores[i] > 0 {
			cands[i].Sources = []retriever.Source{{Retriever: "bm25", Rank: rank + 1, Score: scores[i]}}
		}
	}
	return r.Rerank(ctx, givenKey, stats, question, cands)
}

// bm25 scores docs for the query terms as Bleve's match query on a
// passage's title and text does: each term's BM25 weight (Bleve's k1 and
// b, lengths against the docs' mean), summed, times the share of the
// terms matched.
func bm25(docs []*doc, qterms []string, idf func(string) float64) []float64 {
	out := make([]float64, len(docs))
	if len(docs) == 0 || len(qterms) == 0 {
		return out
	}
	avg := 0.0
	for _, d := range docs {
		avg += float64(len(d.terms) + len(d.title))
	}
	avg /= float64(len(docs))
	k1, b := search.BM25_k1, search.BM25_b
	for i, d := range docs {
		norm := 1 - b + b*float64(len(d.terms)+len(d.title))/avg
		matched := 0
		for _, t := range qterms {
			tf := float64(d.tf[t] + count(d.title, t))
			if tf == 0 {
				continue
			}
			matched++
			out[i] += idf(t) * tf * k1 / (tf + k1*norm)
		}
		out[i] *= float64(matched) / float64(len(qterms))
	}
	return out
}

// listStats counts, for each term, the docs whose title or text holds it.
type listStats []*doc

func (l listStats) DocFreqs(_ context.Context, terms []string) (map[string]uint64, uint64, error) {
	out := make(map[string]uint64, len(terms))
	for _, t := range terms {
		for _, d := range l {
			if d.tf[t] > 0 || d.titleSet[t] {
				out[t]++
			}
		}
	}
	return out, uint64(len(l)), nil
}

func count(ts []string, t string) int {
	n := 0
	for _, x := range ts {
		if x == t {
			n++
		}
	}
	return n
}

func distinct(ts []string) []string {
	seen := make(map[string]bool, len(ts))
	out := ts[:0:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// RerankGiven re-ranks passages that are in no collection, weighing words
// by the statistics of c, or of the passages themselves when c is nil.
func (f ForStore) RerankGiven(ctx context.Context, c *index.Collection, question string, ps []corpus.Passage) ([]retriever.Candidate, error) {
	if c == nil { // not a Stats holding a nil collection
		return f.R.RerankGiven(ctx, nil, question, ps)
	}
	return f.R.RerankGiven(ctx, c, question, ps)
}
