package eval

import (
	"math"
	"sort"
)

// Percentile is the nearest-rank p-th percentile of xs (p in 0..100), 0 for
// no values.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

// LatencySummary holds the percentiles of one stage, in milliseconds.
type LatencySummary struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	N   int     `json:"n"`
}

// Summarize computes the latency percentiles of xs.
func Summarize(xs []float64) LatencySummary {
	return LatencySummary{P50: Percentile(xs, 50), P95: Percentile(xs, 95), P99: Percentile(xs, 99), N: len(xs)}
}
