package rerank

import (
	"hash/fnv"
	"math"
)

// Kernel pooling (K-NRM, Xiong et al., 2017) over the cosine similarities
// of learned hashed word vectors: for each question term and each kernel
// (a soft bin of similarity), how much of the passage sits at that
// similarity. The exact-match kernel counts identical terms; the soft ones
// let training teach which different words should match.
var (
	kernelMu    = []float64{1.0, 0.8, 0.6, 0.4, 0.2, 0.0}
	kernelSigma = []float64{0.001, 0.1, 0.1, 0.1, 0.1, 0.1}
)

// NumKernels is the number of neural features.
var NumKernels = len(kernelMu)

func hashTerm(t string, size int) int {
	h := fnv.New32a()
	h.Write([]byte(t))
	return int(h.Sum32() % uint32(size))
}

// bag is a passage's distinct hashed terms with their counts.
type bag struct {
	ids    []int
	counts []float64
}

func newBag(terms []string, size, limit int) bag {
	idx := map[int]int{}
	var b bag
	for _, t := range terms {
		h := hashTerm(t, size)
		if i, ok := idx[h]; ok {
			b.counts[i]++
			continue
		}
		if len(b.ids) == limit {
			continue
		}
		idx[h] = len(b.ids)
		b.ids = append(b.ids, h)
		b.counts = append(b.counts, 1)
	}
	return b
}

// knrm holds the embeddings and computes kernel features.
type knrm struct {
	dim int
	emb []float64 // size × dim
}

func (k *knrm) unit(id int, out []float64) float64 {
	v := k.emb[id*k.dim : (id+1)*k.dim]
	n := 0.0
	for _, x := range v {
		n += x * x
	}
	n = math.Sqrt(n) + 1e-12
	for i, x := range v {
		out[i] = x / n
	}
	return n
}

// knrmTrace keeps what backpropagation needs of one forward pass.
type knrmTrace struct {
	q, d     []int
	qu, du   [][]float64 // unit vectors
	qn, dn   []float64   // norms
	m        [][]float64 // similarities
	s        [][]float64 // per question term, per kernel: soft counts
	counts   []float64
	features []float64
}

// forward computes the kernel features of question terms q against a
// passage bag d. With trace set it records what backward needs.
func (k *knrm) forward(q []int, d bag, trace *knrmTrace) []float64 {
	out := make([]float64, NumKernels)
	if len(q) == 0 || len(d.ids) == 0 {
		return out
	}
	qu := make([][]float64, len(q))
	qn := make([]float64, len(q))
	for i, id := range q {
		qu[i] = make([]float64, k.dim)
		qn[i] = k.unit(id, qu[i])
	}
	du := make([][]float64, len(d.ids))
	dn := make([]float64, len(d.ids))
	for j, id := range d.ids {
		du[j] = make([]float64, k.dim)
		dn[j] = k.unit(id, du[j])
	}
	m := make([][]float64, len(q))
	s := make([][]float64, len(q))
	for i := range q {
		m[i] = make([]float64, len(d.ids))
		s[i] = make([]float64, NumKernels)
		for j := range d.ids {
			dot := 0.0
			a, b := qu[i], du[j]
			for x := range a {
				dot += a[x] * b[x]
			}
			m[i][j] = dot
			for kk, mu := range kernelMu {
				diff := dot - mu
				sig := kernelSigma[kk]
				if diff > 4*sig || diff < -4*sig {
					continue
				}
				s[i][kk] += d.counts[j] * math.Exp(-diff*diff/(2*sig*sig))
			}
		}
		for kk := range out {
			out[kk] += math.Log1p(s[i][kk])
		}
	}
	for kk := range out {
		out[kk] /= float64(len(q))
	}
	if trace != nil {
		*trace = knrmTrace{q: q, d: d.ids, qu: qu, du: du, qn: qn, dn: dn, m: m, s: s, counts: d.counts, features: out}
	}
	return out
}

// backward adds to grad (size × dim) the gradient of the loss with
// respect to the embeddings, given dOut, its gradient with respect to the
// kernel features.
func (k *knrm) backward(t *knrmTrace, dOut []float64, grad map[int][]float64) {
	if len(t.q) == 0 || len(t.d) == 0 {
		return
	}
	nq := float64(len(t.q))
	for i := range t.q {
		for j := range t.d {
			mij := t.m[i][j]
			dm := 0.0
			for kk, mu := range kernelMu {
				diff := mij - mu
				sig := kernelSigma[kk]
				if diff > 4*sig || diff < -4*sig || sig < 0.01 {
					continue // the exact-match kernel has no useful slope
				}
				kv := t.counts[j] * math.Exp(-diff*diff/(2*sig*sig))
				dm += dOut[kk] / nq / (1 + t.s[i][kk]) * kv * (-diff / (sig * sig))
			}
			if dm == 0 {
				continue
			}
			// m = u·v with u = a/|a|, v = b/|b|: dm/da = (v - m u)/|a|.
			ga := grad[t.q[i]]
			if ga == nil {
				ga = make([]float64, k.dim)
				grad[t.q[i]] = ga
			}
			gb := grad[t.d[j]]
			if gb == nil {
				gb = make([]float64, k.dim)
				grad[t.d[j]] = gb
			}
			u, v := t.qu[i], t.du[j]
			for x := 0; x < k.dim; x++ {
				ga[x] += dm * (v[x] - mij*u[x]) / t.qn[i]
				gb[x] += dm * (u[x] - mij*v[x]) / t.dn[j]
			}
		}
	}
}
