package rerank

import (
	"context"
	"math"
	"sort"
	"sync"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// Stats gives the IDF statistics of a collection.
type Stats interface {
	DocFreqs(ctx context.Context, terms []string) (map[string]uint64, uint64, error)
}

// A Reranker scores candidates with a model.
type Reranker struct {
	Model *Model
	// Lexicon gives the WordNet relatives of question terms; nil when
	// the model does not use them or WordNet is missing.
	Lexicon *Lexicon

	lazy    bool        // load Lexicon at the first question (NewLazy)
	warn    func(error) // told once if that load fails
	lexOnce sync.Once

	mu     sync.Mutex
	cache  map[string]*doc     // analyzed passages, by collection and passage ID
	titles map[string][]string // analyzed titles, shared by a document's passages
}

// maxCache bounds the analyzed passages kept between questions.
const maxCache = 200_000

// idfFunc builds BM25-style IDF from document frequencies.
func idfFunc(df map[string]uint64, n uint64) func(string) float64 {
	return func(t string) float64 {
		f := float64(df[t])
		return math.Log(1 + (float64(n)-f+0.5)/(f+0.5))
	}
}

func (r *Reranker) analyzed(key string, p corpus.Passage) *doc {
	r.mu.Lock()
	d, ok := r.cache[key]
	r.mu.Unlock()
	// A document re-ingested under the same ID keeps its passage IDs:
	// the analysis serves only the text it was made of.
	if ok && d.text == p.Text && d.titleRaw == p.Title {
		return d
	}
	d = analyze(p, r.titleTerms)
	r.mu.Lock()
	if r.cache == nil || len(r.cache) >= maxCache {
		r.cache, r.titles = map[string]*doc{}, map[string][]string{}
	}
	r.cache[key] = d
	r.mu.Unlock()
	return d
}

func (r *Reranker) titleTerms(title string) []string {
	r.mu.Lock()
	ts, ok := r.titles[title]
	r.mu.Unlock()
	if ok {
		return ts
	}
	ts = index.Terms(title)
	r.mu.Lock()
	if r.titles != nil {
		r.titles[title] = ts
	}
	r.mu.Unlock()
	return ts
}

// Rerank scores every candidate and returns them best first, each
// carrying the model's score, a "rerank" source with its new rank, and
// its excerpts for the question (for PolicyExcerpt packing).
func (r *Reranker) Rerank(ctx context.Context, collection string, stats Stats, question string, cands []retriever.Candidate) ([]retriever.Candidate, error) {
	if len(cands) == 0 {
		return cands, nil
	}
	qterms := index.Terms(question)
	df, n, err := stats.DocFreqs(ctx, qterms)
	if err != nil {
		return nil, err
	}
	r.Warm()
	q := newQuery(question, qterms, idfFunc(df, n), r.Lexicon)
	m := r.Model
	var qh []int
	if m.Neural {
		qh = hashTerms(q.terms, m.HashSize)
	}
	out := make([]retriever.Candidate, len(cands))
	docs := make([]*doc, len(cands))
	for i, c := range cands {
		docs[i] = r.analyzed(collection+"\x00"+c.Passage.ID, c.Passage)
	}
	feats, hs := listFeatures(q, docs, cands)
	for i, c := range cands {
		var kern []float64
		if m.Neural {
			kern = m.k.forward(qh, newBag(docs[i].terms, m.HashSize, bagLimit), nil)
		}
		c.Score = m.Score(feats[i], kern)
		c.Excerpts = excerpts(q, docs[i], hs[i])
		out[i] = c
	}
	m.chances(out)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	for i := range out {
		out[i].Rank = i + 1
		src := append([]retriever.Source(nil), out[i].Sources...)
		out[i].Sources = append(src, retriever.Source{Retriever: "rerank", Rank: i + 1, Score: out[i].Score})
	}
	return out, nil
}

// bagLimit bounds the distinct terms of a passage seen by kernel pooling.
const bagLimit = 160

func hashTerms(ts []string, size int) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = hashTerm(t, size)
	}
	return out
}

func listMaxima(cands []retriever.Candidate) map[string]float64 {
	out := map[string]float64{}
	for _, c := range cands {
		for _, s := range c.Sources {
			if s.Score > out[s.Retriever] {
				out[s.Retriever] = s.Score
			}
		}
	}
	return out
}

// ForStore adapts a Reranker to reader.Reranker over a store of
// collections, which give the IDF statistics.
type ForStore struct {
	R     *Reranker
	Store interface {
		Collection(name string, create bool) (*index.Collection, error)
	}
}

// Warm loads now what a lazy re-ranker (NewLazy) would load at its
// first question: WordNet, when the model was trained with it. A server
// calls it as it starts, so that no question waits the seconds it takes
// and a missing WordNet is reported at once. Questions asked meanwhile
// wait for it to finish.
func (f ForStore) Warm() { f.R.Warm() }

// Rerank implements reader.Reranker.
func (f ForStore) Rerank(ctx context.Context, collection, question string, cands []retriever.Candidate) ([]retriever.Candidate, error) {
	c, err := f.Store.Collection(collection, false)
	if err != nil {
		return nil, err
	}
	return f.R.Rerank(ctx, collection, c, question, cands)
}
