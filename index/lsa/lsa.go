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
	"sort"

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

// Model is a fitted LSA projection.
type Model struct {
	Terms []string  `json:"terms"`
	IDF   []float64 `json:"idf"`
	// Proj is Dim rows of len(Terms): the top right singular vectors.
	Proj [][]float32 `json:"proj"`
	Docs int         `json:"docs"`

	index   map[string]int
	analyze func(string) []string
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
func (m *Model) vector(text string) sparse {
	tf := map[int]int{}
	for _, t := range m.analyze(text) {
		if i, ok := m.index[t]; ok {
			tf[i]++
		}
	}
	var v sparse
	norm := 0.0
	for i, n := range tf {
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
// zero vector.
func (m *Model) Embed(_ context.Context, texts []string) ([][]float32, error) {
	if m.analyze == nil {
		return nil, errors.New("lsa: model has no analyzer")
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := m.vector(t)
		e := make([]float32, len(m.Proj))
		norm := 0.0
		for d, row := range m.Proj {
			s := 0.0
			for j, ix := range v.idx {
				s += float64(row[ix]) * v.val[j]
			}
			e[d] = float32(s)
			norm += s * s
		}
		if norm > 0 {
			inv := float32(1 / math.Sqrt(norm))
			for d := range e {
				e[d] *= inv
			}
		}
		out[i] = e
	}
	return out, nil
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
	if o.Sample <= 0 {
		o.Sample = 20_000
	}
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
		return nil, fmt.Errorf("lsa: need at least 2 passages to fit, have %d", n)
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
	for i, t := range texts {
		rows[i] = m.vector(t)
	}
	k := min(o.Dim, n-1, len(terms)-1)
	if k < 1 {
		return nil, fmt.Errorf("lsa: corpus too small to fit (%d passages, %d terms)", n, len(terms))
	}
	m.Proj = truncatedSVD(rows, len(terms), k, rng)
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
		q := orthonormal(y)
		z := mulAT(rows, q, v, l) // v×l
		y = mulA(rows, orthonormal(z), l)
	}
	q := orthonormal(y)        // n×l
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

// mulA computes A·X for sparse A (n×v) and dense X (v×l).
func mulA(rows []sparse, x *mat.Dense, l int) *mat.Dense {
	out := mat.NewDense(len(rows), l, nil)
	for i, r := range rows {
		dst := out.RawRowView(i)
		for j, ix := range r.idx {
			src := x.RawRowView(ix)
			w := r.val[j]
			for c := range dst {
				dst[c] += w * src[c]
			}
		}
	}
	return out
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

// orthonormal returns an orthonormal basis of y's columns by CholeskyQR2:
// two passes of Q = Y R⁻¹ with RᵀR = YᵀY. Unlike a Householder QR it never
// forms an n×n matrix; a small ridge keeps rank-deficient inputs factorable.
func orthonormal(y *mat.Dense) *mat.Dense {
	q := mat.DenseCopyOf(y)
	_, c := q.Dims()
	for pass := 0; pass < 2; pass++ {
		var g mat.SymDense
		g.SymOuterK(1, q.T())
		var ch mat.Cholesky
		for ridge := 0.0; !ch.Factorize(&g); {
			if ridge == 0 {
				ridge = 1e-10 * (mat.Trace(&g)/float64(c) + 1)
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
		var nq mat.Dense
		nq.Mul(q, &rinv)
		q = &nq
	}
	return q
}
