package reader

import (
	"fmt"

	"github.com/shoulders-qa/shoulders/retriever"
)

// A Policy decides what packing does when the next passage does not fit.
type Policy string

const (
	// PolicyStop stops at the first passage that would overflow the
	// budget, as in the frozen-reader paper.
	PolicyStop Policy = "stop"
	// PolicyFill skips a passage that does not fit and tries the next
	// ones, filling the budget more fully.
	PolicyFill Policy = "fill"
	// PolicyExcerpt gives each of the best candidates whole, by one of
	// its excerpts (the sentences a re-ranker found to answer the
	// question best), or not at all, choosing the mix that most likely
	// holds the answer by the re-ranker's probabilities. Without those,
	// it packs whole passages while they fit, then each next passage by
	// the longest excerpt that fits, stopping at the first of which none
	// fits. For candidates without excerpts (not re-ranked) it is
	// PolicyStop.
	PolicyExcerpt Policy = "excerpt"
)

// DefaultPolicy is the policy of a reader configured with none.
const DefaultPolicy = PolicyExcerpt

// ParsePolicy checks a policy name; empty stays empty, meaning the
// reader's configured policy.
func ParsePolicy(s string) (Policy, error) {
	switch Policy(s) {
	case "", PolicyStop, PolicyFill, PolicyExcerpt:
		return Policy(s), nil
	}
	return "", fmt.Errorf("unknown packing policy %q (want %q, %q or %q)", s, PolicyStop, PolicyFill, PolicyExcerpt)
}

// A Packed candidate is one passage given to the LM.
type Packed struct {
	retriever.Candidate
	// N is the passage's number in the prompt, from 1.
	N      int `json:"n"`
	Tokens int `json:"tokens"`
	// Excerpted says the passage text is its excerpt, not all of it.
	Excerpted bool `json:"excerpted,omitempty"`
}

// A Packing is the result of packing candidates into a budget.
type Packing struct {
	Packed []Packed `json:"packed"`
	// Left are the candidates not packed, in score order.
	Left   []retriever.Candidate `json:"-"`
	Used   int                   `json:"tokens_used"`
	Budget int                   `json:"token_budget"`
	// Oversized counts passages skipped because each alone exceeds the budget.
	Oversized int `json:"oversized,omitempty"`
}

// Pack adds candidates in the order given (best first) while they fit in
// budget tokens, counting each passage as it will appear in the prompt.
// A passage larger than the whole budget is never truncated (that could
// cut its answer and break citations): it is skipped, or under
// PolicyExcerpt given by an excerpt (see PolicyExcerpt). An empty policy
// is DefaultPolicy. Pack never exceeds the budget and keeps the given
// order.
func Pack(cands []retriever.Candidate, budget int, tc TokenCounter, policy Policy) Packing {
	if policy == "" {
		policy = DefaultPolicy
	}
	if policy == PolicyExcerpt && !anyExcerpts(cands) {
		policy = PolicyStop
	}
	if policy == PolicyExcerpt && hasChances(cands) {
		return packByChance(cands, budget, tc)
	}
	out := Packing{Budget: budget}
	stopped, excerpts := false, false
	for _, c := range cands {
		if stopped {
			out.Left = append(out.Left, c)
			continue
		}
		block := func(text string) int {
			return tc.Count(passageBlock(len(out.Packed)+1, c.Passage.Title, text))
		}
		text, cut := c.Passage.Text, false
		n := -1
		if !excerpts {
			n = block(text)
			// The first passage that does not fit whole (but would
			// alone) turns packing to excerpts.
			excerpts = policy == PolicyExcerpt && out.Used+n > budget && n <= budget
		}
		if excerpts && len(c.Excerpts) > 0 {
			// The longest excerpt that fits, else the shortest to count.
			for _, e := range c.Excerpts {
				text, cut, n = e, true, block(e)
				if out.Used+n <= budget {
					break
				}
			}
		} else if n < 0 {
			n = block(text)
		}
		switch {
		case n > budget:
			out.Oversized++
			out.Left = append(out.Left, c)
		case out.Used+n > budget:
			out.Left = append(out.Left, c)
			// Fill tries every later passage; the others stop, which
			// also bounds the token counting of excerpts.
			stopped = policy != PolicyFill
		default:
			p := Packed{Candidate: c, N: len(out.Packed) + 1, Tokens: n, Excerpted: cut}
			p.Passage.Text = text
			out.Packed = append(out.Packed, p)
			out.Used += n
		}
	}
	return out
}

func anyExcerpts(cands []retriever.Candidate) bool {
	for _, c := range cands {
		if len(c.Excerpts) > 0 {
			return true
		}
	}
	return false
}
