package retriever

import (
	"context"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// DefaultK is the number of candidates retrieved by default: enough for a
// re-ranker to find the answer-bearing passages that a first-stage ranker
// put low.
const DefaultK = 100

// A Query asks for the K best passages of a collection, or of the
// documents of it that Filter lets through.
type Query struct {
	Collection string
	Text       string
	K          int
	Filter     index.Filter
}

// A Source records how one retriever ranked a candidate.
type Source struct {
	Retriever string  `json:"retriever"`
	Rank      int     `json:"rank"` // 1-based
	Score     float64 `json:"score"`
}

// A Candidate is a retrieved passage with its fused score and rank.
type Candidate struct {
	Passage corpus.Passage `json:"passage"`
	Score   float64        `json:"score"`
	Rank    int            `json:"rank"` // 1-based, in this list
	Sources []Source       `json:"sources"`
	// Excerpts, when a re-ranker sets them, are the parts of the passage
	// that best answer the question, longest first: packing may give one
	// in place of the whole passage.
	Excerpts []string `json:"-"`
	// Chance, when a re-ranker sets it, is its probability that this
	// passage is the list's one holding the answer; ExcerptChances gives
	// the same for each excerpt. Packing weighs room against them.
	Chance         float64   `json:"probability,omitempty"`
	ExcerptChances []float64 `json:"-"`
}

// A Retriever returns candidates ranked best first.
type Retriever interface {
	Name() string
	Retrieve(ctx context.Context, q Query) ([]Candidate, error)
}
