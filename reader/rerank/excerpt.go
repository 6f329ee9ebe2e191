package rerank

import (
	"math"

	"github.com/shoulders-qa/shoulders/retriever"
)

// excerptWidth is how many sentences the longer excerpt keeps.
const excerptWidth = 2

// defaultExcerptRecall stands in for a model trained without answers
// (on relevant passage IDs), which could not measure its own: the shipped
// model's measure on the QA-mix train split.
var defaultExcerptRecall = []float64{0.73, 0.59}

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
			r := rec[1]
			if k == 0 && len(c.Excerpts) == 2 {
				r = rec[0]
			}
			c.ExcerptChances = append(c.ExcerptChances, c.Chance*r)
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
