// Package lsa is the built-in embedder: latent semantic analysis learned
// from the collection itself, needing no downloaded weights. Passages are
// TF-IDF vectors over the index's own analyzed terms; a truncated SVD
// (randomized, with power iterations, on gonum) maps them to about 256
// dimensions in which words that occur in the same passages lie close.
//
// It is good at topical similarity and at bridging words that co-occur in
// the corpus (a question about "the sound" finding a passage on "acoustics"
// when the two share contexts), cheap to fit and to apply, and works for any
// language the analyzer tokenizes. It is bad at what pretrained encoders
// learn from the world: paraphrase across words that never co-occur in this
// corpus, word order, negation, and exact names and numbers (BM25 is better
// there, which is why the hybrid retriever fuses the two). It is the
// offline default, not a rival to pretrained models.
package lsa

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/shoulders-qa/shoulders/index"
	"gonum.org/v1/gonum/mat"
)

// Name identifies the embedder in index metadata.
const Name = "builtin-lsa"

// Options bound the model.
type Options struct {
	Dim        int    // target dimensions (default 256)
	Vocabulary int    // most frequent terms kept (default 30,000)
	MinDF      int    // terms in fewer passages are dropped (default 2)
	Sample     int    // passages used for fitting (default 20,000)
	Seed       uint64 // fitting is deterministic for a seed
}

// sample is how many passages a fit reads at most.
func (o Options) sample() int {
	if o.Sample <= 0 {
		return 20_000
	}
	return o.Sample
}

// Model is a fitted LSA projection.
type Model struct {
	Terms []string  `json:"terms"`
	IDF   []float64 `json:"idf"`
	// Proj is Dim rows of len(Terms): the top right singular vectors.
	Proj [][]float32 `json:"proj"`
	Docs int         `json:"docs"`

	index   map[string]int
	analyze func(string) []string

	colsOnce sync.Once
	cols     []float32
}

// Dim is the embedding dimension.
func (m *Model) Dim() int { return len(m.Proj) }

// Analyzer sets the function that turns text into terms; it must be the
// one the model was fitted with.
func (m *Model) Analyzer(f func(string) []string) {
	m.analyze = f
	m.index = make(map[string]int, len(m.Terms))
	for i, t := range m.Terms {
		m.index[t] = i
	}
}

type sparse struct {
	idx []int
	val []float64
}

// vector is the L2-normalized TF-IDF vector of text, with log-scaled tf.
func (m *Model) vector(text string) sparse { return m.vectorOf(m.analyze(text)) }

// vectorOf is vector for a text already analyzed into terms.
func (m *Model) vectorOf(terms []string) sparse {
	tf := map[int]int{}
	for _, t := range terms {
		if i, ok := m.index[t]; ok {
			tf[i]++
		}
	}
	var v sparse
	norm := 0.0
	// Terms in index order: sums then run in one order, so fitting and
	// embedding give the same bits every time.
	ids := make([]int, 0, len(tf))
	for i := range tf {
		ids = append(ids, i)
	}
	sort.Ints(ids)
	for _, i := range ids {
		n := tf[i]
		w := (1 + math.Log(float64(n))) * m.IDF[i]
		v.idx = append(v.idx, i)
		v.val = append(v.val, w)
		norm += w * w
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for i := range v.val {
			v.val[i] /= norm
		}
	}
	return v
}

// Embed maps texts to unit vectors; a text with no known term maps to the
// zero vector. Texts are embedded in parallel, each by itself, so the
// result does not depend on the number of cores.
func (m *Model) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if m.analyze == nil {
		return nil, errors.New("lsa: model has no analyzer")
	}
	cols := m.columns()
	dim := len(m.Proj)
	out := make([][]float32, len(texts))
	workers := min(runtime.GOMAXPROCS(0), (len(texts)+63)/64)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := make([]float64, dim)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(texts) || ctx.Err() != nil {
					return
				}
				clear(acc)
				v := m.vector(texts[i])
				for j, ix := range v.idx {
					w, col := v.val[j], cols[ix*dim:(ix+1)*dim]
					for d, c := range col {
						acc[d] += w * float64(c)
					}
				}
				norm := 0.0
				for _, a := range acc {
					norm += a * a
				}
				e := make([]float32, dim)
				if norm > 0 {
					inv := 1 / math.Sqrt(norm)
					for d, a := range acc {
						e[d] = float32(a * inv)
					}
				}
				out[i] = e
			}
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

// columns is Proj transposed, term by term, so that embedding a text reads
// one contiguous row per term instead of one strided value per dimension.
func (m *Model) columns() []float32 {
	m.colsOnce.Do(func() {
		dim, v := len(m.Proj), len(m.Terms)
		m.cols = make([]float32, v*dim)
		for d, row := range m.Proj {
			for t, x := range row {
				m.cols[t*dim+d] = x
			}
		}
	})
	return m.cols
}

// Fit learns a model from texts with the given analyzer.
func Fit(texts []string, analyze func(string) []string, o Options) (*Model, error) {
	if o.Dim <= 0 {
		o.Dim = 256
	}
	if o.Vocabulary <= 0 {
		o.Vocabulary = 30_000
	}
	if o.MinDF <= 0 {
		o.MinDF = 2
	}
	o.Sample = o.sample()
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5851f42d4c957f2d))
	if len(texts) > o.Sample {
		idx := rng.Perm(len(texts))[:o.Sample]
		sort.Ints(idx)
		s := make([]string, len(idx))
		for i, j := range idx {
			s[i] = texts[j]
		}
		texts = s
	}
	n := len(texts)
	if n < 2 {
		return nil, fmt.Errorf("%w: need at least 2 passages to fit, have %d", index.ErrTooFewPassages, n)
	}
	docs := make([][]string, n)
	df := map[string]int{}
	for i, t := range texts {
		docs[i] = analyze(t)
		seen := map[string]bool{}
		for _, term := range docs[i] {
			if !seen[term] {
				seen[term] = true
				df[term]++
			}
		}
	}
	minDF := o.MinDF
	if n < 50 {
		minDF = 1 // a tiny collection has too few repeats to filter on
	}
	var terms []string
	for t, c := range df {
		if c >= minDF {
			terms = append(terms, t)
		}
	}
	sort.Slice(terms, func(i, j int) bool {
		if df[terms[i]] != df[terms[j]] {
			return df[terms[i]] > df[terms[j]]
		}
		return terms[i] < terms[j]
	})
	if len(terms) > o.Vocabulary {
		terms = terms[:o.Vocabulary]
	}
	m := &Model{Terms: terms, IDF: make([]float64, len(terms)), Docs: n}
	for i, t := range terms {
		m.IDF[i] = math.Log(float64(n) / float64(df[t]))
	}
	m.Analyzer(analyze)
	rows := make([]sparse, n)
	for i := range docs {
		rows[i] = m.vectorOf(docs[i])
	}
	k := min(o.Dim, n-1, len(terms)-1)
	if k < 1 {
		return nil, fmt.Errorf("%w: corpus too small to fit (%d passages, %d terms)", index.ErrTooFewPassages, n, len(terms))
	}
	m.Proj = truncatedSVD(rows, len(terms), k, rng)
	if len(m.Proj) == 0 {
		// Every term is in every passage: nothing tells them apart.
		return nil, fmt.Errorf("%w: no term tells the %d passages apart", index.ErrTooFewPassages, n)
	}
	return m, nil
}

// truncatedSVD returns the top k right singular vectors of the sparse n×v
// matrix A (as k rows of length v), by randomized range finding with two
// power iterations (Halko, Martinsson and Tropp, 2011).
func truncatedSVD(rows []sparse, v, k int, rng *rand.Rand) [][]float32 {
	n := len(rows)
	l := min(k+10, n, v)
	omega := mat.NewDense(v, l, nil)
	for i := 0; i < v; i++ {
		for j := 0; j < l; j++ {
			omega.Set(i, j, rng.NormFloat64())
		}
	}
	y := mulA(rows, omega, l)   // n×l
	for it := 0; it < 2; it++ { // power iterations sharpen the spectrum
		// Between iterations the basis only needs to be well conditioned:
		// one CholeskyQR pass; the final one gets two.
		q := orthonormal(y, 1)
		z := mulAT(rows, q, v, l) // v×l
		y = mulA(rows, orthonormal(z, 1), l)
	}
	q := orthonormal(y, 2)     // n×l
	bt := mulAT(rows, q, v, l) // v×l = (QᵀA)ᵀ
	// The right singular vectors of B = QᵀA are the eigenvectors of BᵀB;
	// through the small l×l matrix BBᵀ = btᵀ bt: BᵀB vectors = bt·u/σ.
	var bbt mat.SymDense
	bbt.SymOuterK(1, bt.T())
	var eig mat.EigenSym
	if !eig.Factorize(&bbt, true) {
		panic("lsa: eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	order := make([]int, len(vals))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	// V_k = bt · U_k · Σ⁻¹, as one matrix product.
	uk := mat.NewDense(l, k, nil)
	kept := 0
	for _, c := range order[:k] {
		sigma := math.Sqrt(math.Max(vals[c], 0))
		if sigma < 1e-9 {
			break
		}
		for j := 0; j < l; j++ {
			uk.Set(j, kept, vecs.At(j, c)/sigma)
		}
		kept++
	}
	if kept == 0 {
		return nil
	}
	var vk mat.Dense
	vk.Mul(bt, uk.Slice(0, l, 0, kept))
	proj := make([][]float32, kept)
	for d := range proj {
		proj[d] = make([]float32, v)
		for i := 0; i < v; i++ {
			proj[d][i] = float32(vk.At(i, d))
		}
	}
	return proj
}

// mulA computes A·X for sparse A (n×v) and dense X (v×l), rows in
// parallel (each output row is one sum, so the result is the same on any
// number of cores).
func mulA(rows []sparse, x *mat.Dense, l int) *mat.Dense {
	out := mat.NewDense(len(rows), l, nil)
	parallelRows(len(rows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := rows[i]
			dst := out.RawRowView(i)
			for j, ix := range r.idx {
				src := x.RawRowView(ix)
				w := r.val[j]
				for c := range dst {
					dst[c] += w * src[c]
				}
			}
		}
	})
	return out
}

// parallelRows runs f over row blocks [lo, hi) on every core.
func parallelRows(n int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		if lo == hi {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); f(lo, hi) }()
	}
	wg.Wait()
}

// mulAT computes Aᵀ·Y for sparse A (n×v) and dense Y (n×l).
func mulAT(rows []sparse, y *mat.Dense, v, l int) *mat.Dense {
	out := mat.NewDense(v, l, nil)
	for i, r := range rows {
		src := y.RawRowView(i)
		for j, ix := range r.idx {
			dst := out.RawRowView(ix)
			w := r.val[j]
			for c := range dst {
				dst[c] += w * src[c]
			}
		}
	}
	return out
}

// gramChunks is fixed so that the sums, and so the model, do not depend on
// the number of cores.
const gramChunks = 8

// gram computes YᵀY, the row blocks in parallel and their sums in a fixed
// order.
func gram(y *mat.Dense) *mat.SymDense {
	r, c := y.Dims()
	parts := make([]*mat.SymDense, gramChunks)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range parts {
		lo, hi := r*i/gramChunks, r*(i+1)/gramChunks
		parts[i] = mat.NewSymDense(c, nil)
		if lo == hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			parts[i].SymOuterK(1, y.Slice(lo, hi, 0, c).T())
		}()
	}
	wg.Wait()
	g := parts[0]
	for _, p := range parts[1:] {
		g.AddSym(g, p)
	}
	return g
}

// orthonormal returns an orthonormal basis of y's columns by CholeskyQR2:
// two passes of Q = Y R⁻¹ with RᵀR = YᵀY. Unlike a Householder QR it never
// forms an n×n matrix; a small ridge keeps rank-deficient inputs factorable.
func orthonormal(y *mat.Dense, passes int) *mat.Dense {
	q := mat.DenseCopyOf(y)
	_, c := q.Dims()
	for pass := 0; pass < passes; pass++ {
		g := gram(q)
		var ch mat.Cholesky
		for ridge := 0.0; !ch.Factorize(g); {
			if ridge == 0 {
				ridge = 1e-10 * (mat.Trace(g)/float64(c) + 1)
			} else {
				ridge *= 100
			}
			for i := 0; i < c; i++ {
				g.SetSym(i, i, g.At(i, i)+ridge)
			}
		}
		var rinv mat.TriDense
		if err := rinv.InverseTri(ch.RawU()); err != nil {
			// Ill-conditioned but usable: the second pass repairs it.
			_ = err
		}
		// Q·R⁻¹ by row blocks in parallel: each row is its own product.
		r, _ := q.Dims()
		nq := mat.NewDense(r, c, nil)
		parallelRows(r, func(lo, hi int) {
			nq.Slice(lo, hi, 0, c).(*mat.Dense).Mul(q.Slice(lo, hi, 0, c), &rinv)
		})
		q = nq
	}
	return q
}
