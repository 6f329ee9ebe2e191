package eval

import (
	"math"
	"sort"
)

// A Scored document in a ranking.
type Scored struct {
	ID    string
	Score float64
}

// Qrels are the relevance judgments of one query: document ID to grade.
type Qrels map[string]int

// trecOrder sorts a run as trec_eval does: by score descending, ties by
// document ID descending. Rank order as given by the system is ignored.
func trecOrder(run []Scored) []Scored {
	out := append([]Scored(nil), run...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// NDCG is trec_eval's ndcg_cut at k: gains are the relevance grades,
// discounted by log2(rank+1), normalized by the ideal ordering of all
// judged-relevant documents. A query with no relevant document scores 0.
func NDCG(run []Scored, qrels Qrels, k int) float64 {
	run = trecOrder(run)
	dcg := 0.0
	for i := 0; i < len(run) && i < k; i++ {
		if g := qrels[run[i].ID]; g > 0 {
			dcg += float64(g) / math.Log2(float64(i+2))
		}
	}
	var gains []int
	for _, g := range qrels {
		if g > 0 {
			gains = append(gains, g)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(gains)))
	idcg := 0.0
	for i := 0; i < len(gains) && i < k; i++ {
		idcg += float64(gains[i]) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// Recall is trec_eval's recall at k: relevant documents in the top k over
// all relevant documents.
func Recall(run []Scored, qrels Qrels, k int) float64 {
	run = trecOrder(run)
	rel := 0
	for _, g := range qrels {
		if g > 0 {
			rel++
		}
	}
	if rel == 0 {
		return 0
	}
	found := 0
	for i := 0; i < len(run) && i < k; i++ {
		if qrels[run[i].ID] > 0 {
			found++
		}
	}
	return float64(found) / float64(rel)
}

// MRR is the reciprocal rank of the first relevant document within the
// top k, 0 when there is none (trec_eval's recip_rank cut at k).
func MRR(run []Scored, qrels Qrels, k int) float64 {
	run = trecOrder(run)
	for i := 0; i < len(run) && i < k; i++ {
		if qrels[run[i].ID] > 0 {
			return 1 / float64(i+1)
		}
	}
	return 0
}
