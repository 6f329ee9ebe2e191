package reader

import (
	"math"

	"github.com/shoulders-qa/shoulders/retriever"
)

// packByChance weighs at most chanceCandidates candidates, and none
// past the point where those before hold chanceMass of the probability:
// the rest could add little, and counting their tokens costs time.
const (
	chanceCandidates = 40
	chanceMass       = 0.999
)

// hasChances says whether a re-ranker gave the candidates probabilities.
func hasChances(cands []retriever.Candidate) bool {
	for _, c := range cands {
		if c.Chance > 0 {
			return true
		}
	}
	return false
}

// An option is one way to give a candidate: whole, or one of its excerpts.
type option struct {
	text   string
	tokens int
	chance float64
	cut    bool
}

// packByChance packs the whole passages and excerpts that together most
// likely hold the answer: each candidate is given whole, by one of its
// excerpts, or not at all, so that the sum of the re-ranker's
// probabilities (those of a passage, or of its excerpt, holding the
// answer) is largest within the budget: a multiple-choice knapsack over
// tokens, solved exactly. The packed keep the given order.
func packByChance(cands []retriever.Candidate, budget int, tc TokenCounter) Packing {
	k, mass := 0, 0.0
	for k < min(len(cands), chanceCandidates) && mass < chanceMass {
		mass += cands[k].Chance
		k++
	}
	opts := make([][]option, k)
	wholeSum := 0
	for i, c := range cands[:k] {
		// Counted as the (i+1)th passage: it can only come earlier, and
		// a smaller number never takes more tokens.
		block := func(text string) int { return tc.Count(passageBlock(i+1, c.Passage.Title, text)) }
		n := block(c.Passage.Text)
		wholeSum += n
		opts[i] = append(opts[i], option{text: c.Passage.Text, tokens: n, chance: c.Chance})
		for j, e := range c.Excerpts {
			if j < len(c.ExcerptChances) {
				opts[i] = append(opts[i], option{text: e, tokens: block(e), chance: c.ExcerptChances[j], cut: true})
			}
		}
	}
	b := min(budget, wholeSum)
	// best[t] is the most chance within t tokens so far; pick[i][t] the
	// option of candidate i on that best path (-1: left out).
	best, next := make([]float64, b+1), make([]float64, b+1)
	pick := make([][]int8, k)
	for i := range opts {
		pick[i] = make([]int8, b+1)
		for t := 0; t <= b; t++ {
			next[t], pick[i][t] = best[t], -1
			for j, o := range opts[i] {
				if o.tokens <= t {
					if v := best[t-o.tokens] + o.chance; v > next[t] {
						next[t], pick[i][t] = v, int8(j)
					}
				}
			}
		}
		best, next = next, best
	}
	chosen := make([]int, k)
	for t, i := b, k-1; i >= 0; i-- {
		chosen[i] = int(pick[i][t])
		if chosen[i] >= 0 {
			t -= opts[i][chosen[i]].tokens
		}
	}
	for {
		out := assemble(cands[:k], opts, chosen, budget, tc)
		if out.Used <= budget {
			return fillWhole(out, cands[k:], tc)
		}
		// Never expected (numbering only shrinks), but the budget is a
		// promise: drop the least likely choice and count again.
		low, lowAt := math.Inf(1), -1
		for i, j := range chosen {
			if j >= 0 && opts[i][j].chance < low {
				low, lowAt = opts[i][j].chance, i
			}
		}
		chosen[lowAt] = -1
	}
}

// fillWhole adds the unweighed candidates whole, in order, while they
// fit: room the probabilities left unused still serves the LM.
func fillWhole(out Packing, rest []retriever.Candidate, tc TokenCounter) Packing {
	for i, c := range rest {
		n := tc.Count(passageBlock(len(out.Packed)+1, c.Passage.Title, c.Passage.Text))
		if out.Used+n > out.Budget {
			out.Left = append(out.Left, rest[i:]...)
			return out
		}
		out.Packed = append(out.Packed, Packed{Candidate: c, N: len(out.Packed) + 1, Tokens: n})
		out.Used += n
	}
	return out
}

// assemble numbers and counts the chosen options in the given order.
func assemble(cands []retriever.Candidate, opts [][]option, chosen []int, budget int, tc TokenCounter) Packing {
	out := Packing{Budget: budget}
	for i, c := range cands {
		if chosen[i] < 0 {
			if opts[i][0].tokens > budget {
				out.Oversized++
			}
			out.Left = append(out.Left, c)
			continue
		}
		o := opts[i][chosen[i]]
		n := o.tokens
		if len(out.Packed)+1 != i+1 {
			n = tc.Count(passageBlock(len(out.Packed)+1, c.Passage.Title, o.text))
		}
		p := Packed{Candidate: c, N: len(out.Packed) + 1, Tokens: n, Excerpted: o.cut}
		p.Passage.Text = o.text
		out.Packed = append(out.Packed, p)
		out.Used += n
	}
	return out
}
