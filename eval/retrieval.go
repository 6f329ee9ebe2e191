package eval

// TopKs are the cut-offs at which retrieval accuracy is reported, as in DPR.
var TopKs = []int{1, 5, 10, 20, 50, 100}

// Budgets are the context budgets, in tokens, at which answer recall is
// reported.
var Budgets = []int{256, 512, 1024, 2048}

// DefaultLMBudget is the context, in tokens, that the LM reads for exact
// match and F1, and that evidence answers quote without an LM.
const DefaultLMBudget = 1024

// FirstHit is the 1-based rank of the first candidate for which has is
// true, or 0 when none is.
func FirstHit(n int, has func(i int) bool) int {
	for i := 0; i < n; i++ {
		if has(i) {
			return i + 1
		}
	}
	return 0
}

// TopKAccuracy is DPR's top-k retrieval accuracy: the share of questions
// whose first answer-bearing passage is ranked k or better, in percent.
// firstHits holds FirstHit of each question.
func TopKAccuracy(firstHits []int, k int) float64 {
	if len(firstHits) == 0 {
		return 0
	}
	n := 0
	for _, r := range firstHits {
		if r > 0 && r <= k {
			n++
		}
	}
	return 100 * float64(n) / float64(len(firstHits))
}

// Share is the percentage of true values: answer recall within a budget
// when each value says whether a question's packed context held an answer.
func Share(flags []bool) float64 {
	if len(flags) == 0 {
		return 0
	}
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return 100 * float64(n) / float64(len(flags))
}

// Mean of xs, 0 for none.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
