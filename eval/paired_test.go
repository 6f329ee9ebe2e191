package eval

import (
	"math"
	"testing"
)

// outcomes builds paired 0/1 outcomes: onlyA questions that a alone gets
// right, onlyB that b alone does, both that both do, and none of either.
func outcomes(onlyA, onlyB, both, none int) (a, b []float64) {
	add := func(n int, x, y float64) {
		for range n {
			a, b = append(a, x), append(b, y)
		}
	}
	add(onlyA, 100, 0)
	add(onlyB, 0, 100)
	add(both, 100, 100)
	add(none, 0, 0)
	return a, b
}

func TestPairedRandomizationMatchesTheExactTest(t *testing.T) {
	// With 0/1 outcomes, flipping signs at random is McNemar's exact
	// test: 15 discordant pairs one way and 5 the other give a two-sided
	// binomial p of 2·P(X ≤ 5 | n=20, ½) = 0.0414.
	a, b := outcomes(15, 5, 60, 20)
	d := Paired(a, b)
	if d.N != 100 || !near(d.Diff, 10) {
		t.Fatalf("n %d, difference %v: want 100 and +10 points", d.N, d.Diff)
	}
	if math.Abs(d.P-0.0414) > 0.006 {
		t.Fatalf("p = %.4f, want about 0.0414", d.P)
	}
	if !(d.Lo > 0 && d.Lo < d.Diff && d.Hi > d.Diff) {
		t.Fatalf("interval %.2f to %.2f around %.2f should exclude 0", d.Lo, d.Hi, d.Diff)
	}
	if again := Paired(a, b); again != d {
		t.Fatalf("the test is seeded: %+v then %+v", d, again)
	}

	// As many wins as losses: no difference, nothing to see.
	if d := Paired(outcomes(10, 10, 50, 30)); d.Diff != 0 || d.P < 0.9 || d.Lo >= 0 || d.Hi <= 0 {
		t.Fatalf("balanced: %+v", d)
	}
	// Thirty wins and no loss: p is as small as 10,000 flips can show.
	if d := Paired(outcomes(30, 0, 50, 20)); d.P > 0.001 {
		t.Fatalf("one-sided wins: p = %v", d.P)
	}
	if d := Paired(outcomes(0, 0, 5, 5)); d.Diff != 0 || d.P != 1 || d.Lo != 0 || d.Hi != 0 {
		t.Fatalf("identical runs: %+v", d)
	}
}

func TestPairedInterval(t *testing.T) {
	// Differences 1, 2, 3, 4: mean 2.5, sd 1.2910, t(3, 0.975) = 3.1824,
	// half-width 3.1824·1.2910/2 = 2.0543.
	d := Paired([]float64{1, 2, 3, 4}, []float64{0, 0, 0, 0})
	if !near3(d.Diff, 2.5) || !near3(d.Lo, 0.4457) || !near3(d.Hi, 4.5543) {
		t.Fatalf("%+v", d)
	}
	// Four differences of one sign: 2 of 16 sign patterns are as extreme.
	if math.Abs(d.P-0.125) > 0.01 {
		t.Fatalf("p = %v, want 0.125", d.P)
	}
}

func near3(a, b float64) bool { return math.Abs(a-b) < 5e-4 }
