package rerank

import "math/bits"

// proximity is the number of distinct question terms matched divided by
// the length of the smallest window of the passage holding all of them:
// 1 when they sit side by side, near 0 when scattered. exact holds each
// passage term's question-term bit (0 for other terms).
func proximity(exact []uint64) float64 {
	want := all(exact)
	k := bits.OnesCount64(want)
	if k == 0 {
		return 0
	}
	if k == 1 {
		return 1
	}
	var count [maxQueryTerms]int
	have, best, lo := 0, len(exact)+1, 0
	for hi, b := range exact {
		if b == 0 {
			continue
		}
		i := bits.TrailingZeros64(b)
		if count[i] == 0 {
			have++
		}
		count[i]++
		for have == k {
			if w := hi - lo + 1; w < best {
				best = w
			}
			if lb := exact[lo]; lb != 0 {
				j := bits.TrailingZeros64(lb)
				count[j]--
				if count[j] == 0 {
					have--
				}
			}
			lo++
		}
	}
	return float64(k) / float64(best)
}

// longestRun is the length of the longest run of consecutive question
// terms that also appears consecutively in the passage. qb and exact are
// the question-term bits of q and d (0 for a term without one): equal
// bits mean equal terms, which is cheaper to ask than of the strings.
func longestRun(q []string, qb []uint64, d []string, exact []uint64) int {
	best := 0
	// run[j] is the length of the run ending at question term i and
	// passage term j. One row, updated from its end so that run[j-1]
	// still holds row i-1's, and on the stack for passages of usual
	// length.
	var buf [512]int
	var run []int
	if len(d)+1 <= len(buf) {
		run = buf[:len(d)+1]
	} else {
		run = make([]int, len(d)+1)
	}
	for i := 1; i <= len(q); i++ {
		b := qb[i-1]
		for j := len(d); j >= 1; j-- {
			var same bool
			if b != 0 {
				same = exact[j-1] == b
			} else {
				same = q[i-1] == d[j-1]
			}
			if same {
				run[j] = run[j-1] + 1
				if run[j] > best {
					best = run[j]
				}
			} else {
				run[j] = 0
			}
		}
	}
	return best
}

// withinOneEdit says whether a and b differ by one insertion, deletion,
// substitution or swap of neighbours. It expects a != b.
func withinOneEdit(a, b string) bool {
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 || lb < 4 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	switch {
	case la == lb:
		if i == la || a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case la > lb:
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}
