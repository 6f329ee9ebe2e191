package eval

import (
	"strings"

	"github.com/shoulders-qa/shoulders/corpus"
)

// ExactMatch is 1 when the normalized prediction equals a normalized gold
// answer, else 0 (SQuAD v1.1 evaluation script, max over gold answers).
func ExactMatch(prediction string, golds []string) float64 {
	p := corpus.NormalizeAnswer(prediction)
	for _, g := range golds {
		if p == corpus.NormalizeAnswer(g) {
			return 1
		}
	}
	return 0
}

// F1 is the best token-overlap F1 between the normalized prediction and a
// gold answer (SQuAD v1.1 evaluation script).
func F1(prediction string, golds []string) float64 {
	best := 0.0
	p := strings.Fields(corpus.NormalizeAnswer(prediction))
	for _, g := range golds {
		if f := tokenF1(p, strings.Fields(corpus.NormalizeAnswer(g))); f > best {
			best = f
		}
	}
	return best
}

func tokenF1(pred, gold []string) float64 {
	if len(pred) == 0 || len(gold) == 0 {
		// The official script scores 0 here unless both are empty, which
		// normalization of a real answer never produces.
		if len(pred) == 0 && len(gold) == 0 {
			return 1
		}
		return 0
	}
	counts := map[string]int{}
	for _, t := range gold {
		counts[t]++
	}
	same := 0
	for _, t := range pred {
		if counts[t] > 0 {
			counts[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	precision := float64(same) / float64(len(pred))
	recall := float64(same) / float64(len(gold))
	return 2 * precision * recall / (precision + recall)
}
