package retriever

import (
	"context"

	"github.com/shoulders-qa/shoulders/index"
)

// Collections resolves collection names to passage indexes.
type Collections interface {
	Collection(name string, create bool) (*index.Collection, error)
}

// BM25 retrieves with Bleve's BM25 over passage titles and texts.
type BM25 struct {
	Store Collections
}

// Name implements Retriever.
func (BM25) Name() string { return "bm25" }

// Retrieve implements Retriever.
func (r BM25) Retrieve(ctx context.Context, q Query) ([]Candidate, error) {
	c, err := r.Store.Collection(q.Collection, false)
	if err != nil {
		return nil, err
	}
	k := q.K
	if k <= 0 {
		k = DefaultK
	}
	hits, err := c.SearchIn(ctx, q.Text, k, q.Filter)
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, len(hits))
	for i, h := range hits {
		out[i] = Candidate{Passage: h.Passage, Score: h.Score, Rank: i + 1,
			Sources: []Source{{Retriever: "bm25", Rank: i + 1, Score: h.Score}}}
	}
	return out, nil
}
