package reader

import (
	"context"
	"errors"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// ErrNoReranker is returned for re-ranking asked of a reader without a
// re-ranker model.
var ErrNoReranker = errors.New("no re-ranker model is loaded")

// A PassageReranker re-ranks passages that are in no collection, weighing
// words by the statistics of c, or of the passages themselves when c is
// nil. Each result's Passage.ID is its place in ps ("0", "1", ...).
type PassageReranker interface {
	RerankGiven(ctx context.Context, c *index.Collection, question string, ps []corpus.Passage) ([]retriever.Candidate, error)
}

// A CollectionOpener opens collections by name.
type CollectionOpener interface {
	Collection(name string, create bool) (*index.Collection, error)
}

// RerankPassages re-ranks a caller's own search results, given in the
// caller's order: passages that are in no collection. With a collection
// named, words are weighed by how many of its passages hold them, else by
// how many of the given passages do; the statistics of a collection of
// similar text rank better than those of a hundred passages.
func (r *Reader) RerankPassages(ctx context.Context, store CollectionOpener, collection, question string, ps []corpus.Passage) ([]retriever.Candidate, error) {
	pr, ok := r.Reranker.(PassageReranker)
	if !ok {
		return nil, ErrNoReranker
	}
	var c *index.Collection
	if collection != "" {
		var err error
		if c, err = store.Collection(collection, false); err != nil {
			return nil, err
		}
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return pr.RerankGiven(ctx, c, question, ps)
}
