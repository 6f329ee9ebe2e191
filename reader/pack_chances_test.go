package reader

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/retriever"
)

// chanceCands makes n candidates of random lengths whose chances fall
// with rank, each with a two-sentence and a one-sentence excerpt.
func chanceCands(rng *rand.Rand, n int) []retriever.Candidate {
	var out []retriever.Candidate
	rest := 1.0
	for i := 0; i < n; i++ {
		c := cand(string(rune('a'+i)), strings.Repeat("word ", 20+rng.IntN(120)), float64(n-i))
		c.Chance = rest * (0.2 + 0.6*rng.Float64())
		rest -= c.Chance
		c.Excerpts = []string{strings.Repeat("pair ", 8+rng.IntN(20)), strings.Repeat("one ", 3+rng.IntN(10))}
		c.ExcerptChances = []float64{c.Chance * 0.73, c.Chance * 0.59}
		out = append(out, c)
	}
	return out
}

// bruteForce is the most chance any choice (whole, an excerpt, or
// nothing, per candidate) fits in budget.
func bruteForce(cands []retriever.Candidate, budget int, tc TokenCounter) float64 {
	best := 0.0
	choice := make([]int, len(cands))
	var walk func(i int)
	walk = func(i int) {
		if i == len(cands) {
			used, sum, n := 0, 0.0, 0
			for j, c := range cands {
				text, chance := c.Passage.Text, c.Chance
				switch choice[j] {
				case 0:
					continue
				case 2, 3:
					text, chance = c.Excerpts[choice[j]-2], c.ExcerptChances[choice[j]-2]
				}
				n++
				used += tc.Count(passageBlock(n, c.Passage.Title, text))
				sum += chance
			}
			if used <= budget && sum > best {
				best = sum
			}
			return
		}
		for k := 0; k < 4; k++ {
			choice[i] = k
			walk(i + 1)
		}
	}
	walk(0)
	return best
}

// Packing by chance finds the best mix: no other choice of whole
// passages and excerpts within the budget holds more of the re-ranker's
// probability. Checked against every choice on random lists.
func TestPackByChanceIsOptimal(t *testing.T) {
	tc := Estimate{}
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := 0; trial < 60; trial++ {
		cands := chanceCands(rng, 6)
		budget := 20 + rng.IntN(500)
		p := Pack(cands, budget, tc, PolicyExcerpt)
		got := 0.0
		for _, pk := range p.Packed {
			if pk.Excerpted {
				for j, e := range pk.Excerpts {
					if e == pk.Passage.Text {
						got += pk.ExcerptChances[j]
					}
				}
			} else {
				got += pk.Chance
			}
		}
		want := bruteForce(cands, budget, tc)
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d, budget %d: packed chance %.6f, best possible %.6f", trial, budget, got, want)
		}
	}
}

// However chosen, the packed keep their order and numbering, are counted
// as the prompt will show them, and stay within the budget; the left-out
// keep their whole text.
func TestPackByChanceKeepsBudgetAndOrder(t *testing.T) {
	tc := NewTokenCounter("", "cl100k_base")
	rng := rand.New(rand.NewPCG(9, 9))
	cands := chanceCands(rng, 60)
	for _, budget := range []int{0, 10, 100, 333, 1000, 5000} {
		p := Pack(cands, budget, tc, PolicyExcerpt)
		sum := 0
		for i, pk := range p.Packed {
			sum += pk.Tokens
			if pk.N != i+1 || (i > 0 && pk.Score > p.Packed[i-1].Score) {
				t.Fatalf("budget %d: passage %d numbered %d, out of order", budget, i, pk.N)
			}
			if got := tc.Count(passageBlock(pk.N, pk.Passage.Title, pk.Passage.Text)); got != pk.Tokens {
				t.Fatalf("packed tokens %d, prompt block has %d", pk.Tokens, got)
			}
		}
		if sum != p.Used || p.Used > budget || len(p.Packed)+len(p.Left) != len(cands) {
			t.Fatalf("budget %d: used %d (sum %d), %d packed + %d left", budget, p.Used, sum, len(p.Packed), len(p.Left))
		}
		for _, l := range p.Left {
			if !strings.HasPrefix(l.Passage.Text, "word") {
				t.Fatalf("left-out %s carries an excerpt", l.Passage.ID)
			}
		}
		if budget >= 1000 && (len(p.Packed) == 0 || p.Packed[0].Excerpted) {
			t.Fatalf("budget %d: the likeliest passage should go whole: %+v", budget, p.Packed[0])
		}
	}
}

// When the best passage is nearly certain, the rest of the budget goes
// to excerpts of many others rather than one more whole passage; when
// two are equally likely, both go whole.
func TestPackByChanceWeighsRoom(t *testing.T) {
	tc := Estimate{}
	long := strings.Repeat("Filler words go on here. ", 10)
	mk := func(chances ...float64) []retriever.Candidate {
		var out []retriever.Candidate
		for i, ch := range chances {
			c := cand(string(rune('a'+i)), long, float64(10-i))
			c.Chance = ch
			c.Excerpts = []string{"Filler words go on here."}
			c.ExcerptChances = []float64{ch * 0.6}
			out = append(out, c)
		}
		return out
	}
	whole := tc.Count(passageBlock(1, "T a", long))
	ex := tc.Count(passageBlock(2, "T b", "Filler words go on here."))
	budget := 2*whole + 1
	if 3*ex > whole {
		t.Fatalf("test needs excerpts much shorter than passages: %d vs %d", ex, whole)
	}
	p := Pack(mk(0.5, 0.4, 0.02, 0.02, 0.02, 0.02), budget, tc, PolicyExcerpt)
	if len(p.Packed) < 2 || p.Packed[0].Excerpted || p.Packed[1].Excerpted {
		t.Fatalf("two likely passages should both go whole: %+v", p.Packed)
	}
	p = Pack(mk(0.5, 0.1, 0.1, 0.1, 0.1, 0.1), budget, tc, PolicyExcerpt)
	if len(p.Packed) < 4 || p.Packed[0].Excerpted || !p.Packed[1].Excerpted {
		t.Fatalf("the others should go as excerpts: %+v", p.Packed)
	}
}
