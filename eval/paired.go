package eval

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// A Difference is how much better one ranker does than another on the
// same questions: the mean of the per-question differences, a 95%
// confidence interval for it, and the two-sided p-value of a paired
// randomization test. Two rankers measured on the same questions differ
// on few of them, so pairing says far more than comparing two averages:
// "+1.2 points" over 5,000 questions may be a real gain or a seed's
// worth of noise, and the interval tells which.
type Difference struct {
	N    int     `json:"n"`
	Diff float64 `json:"diff"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	P    float64 `json:"p"`
}

// permutations is the number of random sign assignments of the
// randomization test: enough that a p-value near 0.05 is known to within
// about 0.005.
const permutations = 10_000

// Paired compares a and b, one value per question in the same order
// (1 or 0 for a hit, or a score such as nDCG). The interval is Student's
// t over the differences, which for a few dozen questions and more is
// close to what a bootstrap gives and costs nothing; the p-value comes
// from Fisher's randomization test (each question's difference keeps or
// flips its sign), which assumes no distribution and is the test
// recommended for comparing retrieval systems (Smucker, Allan and
// Carterette, CIKM 2007). The test's random signs are seeded, so a
// report is reproducible. It panics if a and b differ in length.
func Paired(a, b []float64) Difference {
	if len(a) != len(b) {
		panic("eval.Paired: unequal lengths")
	}
	n := len(a)
	if n == 0 {
		return Difference{P: 1}
	}
	d := make([]float64, n)
	var nonzero []float64
	for i := range a {
		d[i] = a[i] - b[i]
		if d[i] != 0 {
			nonzero = append(nonzero, d[i])
		}
	}
	mean, sd := stat.MeanStdDev(d, nil)
	out := Difference{N: n, Diff: mean, Lo: mean, Hi: mean, P: 1}
	if n > 1 && sd > 0 {
		half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975) * sd / math.Sqrt(float64(n))
		out.Lo, out.Hi = mean-half, mean+half
	}
	if len(nonzero) == 0 {
		return out
	}
	// Zero differences keep their sum under any sign, so only the others
	// are flipped. The tolerance keeps ties with the observed sum (common
	// with 0/1 outcomes) counted despite rounding.
	obs := 0.0
	for _, x := range nonzero {
		obs += x
	}
	obs = math.Abs(obs)
	rng := rand.New(rand.NewPCG(1, uint64(len(nonzero))))
	extreme := 0
	for range permutations {
		s := 0.0
		var bits uint64
		for i, x := range nonzero {
			if i%64 == 0 {
				bits = rng.Uint64()
			}
			if bits&1 == 1 {
				s += x
			} else {
				s -= x
			}
			bits >>= 1
		}
		if math.Abs(s) >= obs-1e-9 {
			extreme++
		}
	}
	out.P = float64(extreme+1) / float64(permutations+1)
	return out
}
