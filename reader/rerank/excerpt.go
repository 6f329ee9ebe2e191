package rerank

import (
	"math"

	"github.com/shoulders-qa/shoulders/retriever"
)

// excerptWidth is how many sentences the longer excerpt keeps.
const excerptWidth = 2

// defaultExcerptRecall stands in for a model file that carries no measure
// of its own (older, or trained where no answers were known): the shipped
// model's measure on the QA-mix train split.
var defaultExcerptRecall = []float64{0.73, 0.59}

// excerptKind is 0 for excerpt k of n when it is the two-sentence one
// (first of two), else 1 (the single sentence): the index into a model's
// ExcerptRecall.
func excerptKind(k, n int) int {
	if k == 0 && n == 2 {
		return 0
	}
	return 1
}

// chances sets each candidate's probability of being the list's answer
// passage, the softmax of the scores the model was trained through, and
// its excerpts' probabilities by how often excerpts kept the answer.
func (m *Model) chances(cands []retriever.Candidate) {
	rec := m.ExcerptRecall
	if len(rec) != 2 {
		rec = defaultExcerptRecall
	}
	top := math.Inf(-1)
	for _, c := range cands {
		top = math.Max(top, c.Score)
	}
	z := 0.0
	for _, c := range cands {
		z += math.Exp(c.Score - top)
	}
	for i := range cands {
		c := &cands[i]
		c.Chance = math.Exp(c.Score-top) / z
		c.ExcerptChances = nil
		for k := range c.Excerpts {
			c.ExcerptChances = append(c.ExcerptChances, c.Chance*rec[excerptKind(k, len(c.Excerpts))])
		}
	}
}

// excerpts returns the parts of d that best answer q, longest first: its
// best sentence by the question terms it holds (WordNet relatives count,
// and the title's terms stand in for the sentence's pronouns) with the
// neighbour holding more of them, then that sentence alone. Excerpts as
// long as the passage are left out; there are none when no sentence holds
// a question term.
func excerpts(q *query, d *doc) []string {
	n := len(d.sentences)
	if n < 2 || q.lidfSum == 0 {
		return nil
	}
	title := q.mask(d.title)
	w := make([]float64, n)
	best, bi := 0.0, -1
	for i, s := range d.sentences {
		m := q.softMask(s)
		w[i] = q.weight(m, q.lidf)
		if v := q.weight(m|title, q.lidf); v > best {
			best, bi = v, i
		}
	}
	if bi < 0 {
		return nil
	}
	var out []string
	if n > excerptWidth {
		lo, hi := bi, bi
		for hi-lo+1 < excerptWidth {
			next, prev := -1.0, -1.0
			if hi+1 < n {
				next = w[hi+1]
			}
			if lo > 0 {
				prev = w[lo-1]
			}
			if prev > next {
				lo--
			} else {
				hi++
			}
		}
		out = append(out, d.text[d.spans[lo].Start:d.spans[hi].End])
	}
	return append(out, d.sentence(bi))
}
