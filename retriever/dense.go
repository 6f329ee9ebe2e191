package retriever

import (
	"context"
	"errors"
	"fmt"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/index/weaviate"
)

// VectorSearcher is the vector index as the dense retrievers use it.
type VectorSearcher interface {
	NearVector(ctx context.Context, collection string, vec []float32, k int) ([]weaviate.Hit, error)
	NearVectorIn(ctx context.Context, collection string, vec []float32, k int, passageIDs []string) ([]weaviate.Hit, error)
	BM25(ctx context.Context, collection, q string, k int) ([]weaviate.Hit, error)
	Hybrid(ctx context.Context, collection, q string, vec []float32, alpha float32, k int) ([]weaviate.Hit, error)
}

// Dense retrieves the passages whose vectors are nearest the question's
// (Weaviate nearVector, cosine similarity). Passage text comes from Bleve,
// the record of every passage.
type Dense struct {
	Store     Collections
	Vectors   VectorSearcher
	Embedders index.EmbedderSource
	// Behind, when set, tells a collection whose vectors are mostly still
	// being computed; its searches fail with ErrVectorsBehind, which
	// hybrid retrieval answers from BM25 and reports as degraded.
	Behind func(*index.Collection) bool
}

// ErrVectorsBehind is returned by Dense for a collection whose vectors are
// mostly still being computed.
var ErrVectorsBehind = errors.New("the collection's vectors are being computed; a vector search would see only part of it")

// Name implements Retriever.
func (Dense) Name() string { return "dense" }

func (r Dense) queryVector(ctx context.Context, c *index.Collection, q string) ([]float32, error) {
	emb, err := r.Embedders.Embedder(ctx, c, false)
	if err != nil {
		return nil, fmt.Errorf("dense retrieval of %q: %w", c.Name, err)
	}
	vecs, err := emb.Embed(ctx, []string{q})
	if err != nil {
		return nil, err
	}
	return vecs[0], nil
}

// Retrieve implements Retriever.
func (r Dense) Retrieve(ctx context.Context, q Query) ([]Candidate, error) {
	c, err := r.Store.Collection(q.Collection, false)
	if err != nil {
		return nil, err
	}
	if r.Behind != nil && r.Behind(c) {
		return nil, fmt.Errorf("dense retrieval of %q: %w", c.Name, ErrVectorsBehind)
	}
	vec, err := r.queryVector(ctx, c, q.Text)
	if err != nil {
		return nil, err
	}
	var hits []weaviate.Hit
	if !q.Filter.On() {
		hits, err = r.Vectors.NearVector(ctx, q.Collection, vec, kOrDefault(q.K))
	} else {
		var ids []string
		if ids, err = c.FilteredPassageIDs(ctx, q.Filter, MaxDenseFilter); err != nil {
			return nil, fmt.Errorf("dense retrieval: %w", err)
		}
		hits, err = r.Vectors.NearVectorIn(ctx, q.Collection, vec, kOrDefault(q.K), ids)
	}
	if err != nil {
		return nil, err
	}
	return resolve(ctx, c, hits, "dense")
}

// MaxDenseFilter bounds the passages a filter may let through
// for dense retrieval, which names each of them to Weaviate; beyond it,
// hybrid retrieval answers from BM25 alone and says it is degraded.
const MaxDenseFilter = 5000

// ErrNoFilter is returned by retrievers that cannot limit a search to
// some documents.
var ErrNoFilter = errors.New("this retrieval mode cannot be filtered (bm25, dense and hybrid can)")

// WeaviateBM25 is Weaviate's own BM25, to compare the two engines on the
// same passages.
type WeaviateBM25 struct {
	Store   Collections
	Vectors VectorSearcher
}

// Name implements Retriever.
func (WeaviateBM25) Name() string { return "weaviate-bm25" }

// Retrieve implements Retriever.
func (r WeaviateBM25) Retrieve(ctx context.Context, q Query) ([]Candidate, error) {
	if q.Filter.On() {
		return nil, ErrNoFilter
	}
	c, err := r.Store.Collection(q.Collection, false)
	if err != nil {
		return nil, err
	}
	hits, err := r.Vectors.BM25(ctx, q.Collection, q.Text, kOrDefault(q.K))
	if err != nil {
		return nil, err
	}
	return resolve(ctx, c, hits, "weaviate-bm25")
}

// WeaviateHybrid is Weaviate's own hybrid search (its BM25 and our query
// vector, fused by Weaviate with weight Alpha on the vector side).
type WeaviateHybrid struct {
	Dense
	Alpha float32
}

// Name implements Retriever.
func (WeaviateHybrid) Name() string { return "weaviate-hybrid" }

// Retrieve implements Retriever.
func (r WeaviateHybrid) Retrieve(ctx context.Context, q Query) ([]Candidate, error) {
	if q.Filter.On() {
		return nil, ErrNoFilter
	}
	c, err := r.Store.Collection(q.Collection, false)
	if err != nil {
		return nil, err
	}
	if r.Behind != nil && r.Behind(c) {
		return nil, fmt.Errorf("dense retrieval of %q: %w", c.Name, ErrVectorsBehind)
	}
	vec, err := r.queryVector(ctx, c, q.Text)
	if err != nil {
		return nil, err
	}
	hits, err := r.Vectors.Hybrid(ctx, q.Collection, q.Text, vec, r.Alpha, kOrDefault(q.K))
	if err != nil {
		return nil, err
	}
	return resolve(ctx, c, hits, "weaviate-hybrid")
}

func kOrDefault(k int) int {
	if k <= 0 {
		return DefaultK
	}
	return k
}

// resolve turns vector-index hits into candidates with Bleve's passages.
// A hit that Bleve no longer holds (deleted, awaiting reconciliation) is
// dropped.
func resolve(ctx context.Context, c *index.Collection, hits []weaviate.Hit, name string) ([]Candidate, error) {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.PassageID
	}
	ps, err := c.Passages(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]corpus.Passage, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]Candidate, 0, len(hits))
	for _, h := range hits {
		p, ok := byID[h.PassageID]
		if !ok {
			continue
		}
		rank := len(out) + 1
		out = append(out, Candidate{Passage: p, Score: h.Score, Rank: rank,
			Sources: []Source{{Retriever: name, Rank: rank, Score: h.Score}}})
	}
	return out, nil
}
