package reader

import (
	"context"
	"fmt"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/retriever"
)

func cand(id, text string, score float64) retriever.Candidate {
	return retriever.Candidate{Passage: corpus.Passage{ID: id, Title: "T " + id, Text: text}, Score: score}
}

func TestPackNeverExceedsBudgetAndKeepsOrder(t *testing.T) {
	tc := NewTokenCounter("", "cl100k_base")
	var cands []retriever.Candidate
	for i := 0; i < 50; i++ {
		c := cand(string(rune('a'+i%26))+strings.Repeat("x", i), strings.Repeat("word ", 10+(i*37)%90), float64(100-i))
		if i%3 != 0 {
			c.Excerpts = []string{strings.Repeat("word ", 3+i%7), "word"}
		}
		cands = append(cands, c)
	}
	for _, budget := range []int{0, 10, 100, 333, 1000, 5000} {
		for _, pol := range []Policy{PolicyStop, PolicyFill, PolicyExcerpt} {
			p := Pack(cands, budget, tc, pol)
			sum := 0
			for i, pk := range p.Packed {
				sum += pk.Tokens
				if pk.N != i+1 {
					t.Fatalf("passage %d numbered %d", i, pk.N)
				}
				if i > 0 && pk.Score > p.Packed[i-1].Score {
					t.Fatalf("order broken at %d", i)
				}
				if got := tc.Count(passageBlock(pk.N, pk.Passage.Title, pk.Passage.Text)); got != pk.Tokens {
					t.Fatalf("packed tokens %d, prompt block has %d", pk.Tokens, got)
				}
			}
			if sum != p.Used || p.Used > budget {
				t.Fatalf("budget %d %s: used %d (sum %d)", budget, pol, p.Used, sum)
			}
			if len(p.Packed)+len(p.Left) != len(cands) {
				t.Fatalf("lost candidates: %d packed + %d left", len(p.Packed), len(p.Left))
			}
			for _, l := range p.Left {
				if strings.Count(l.Passage.Text, "word") < 10 {
					t.Fatalf("left-out candidate %s carries its excerpt as its text", l.Passage.ID)
				}
			}
		}
	}
}

func TestPackPolicies(t *testing.T) {
	tc := Estimate{}
	small, mid, big := strings.Repeat("ab ", 10), strings.Repeat("ab ", 16), strings.Repeat("ab ", 200)
	cands := []retriever.Candidate{cand("1", small, 9), cand("2", mid, 8), cand("3", small, 7)}
	budget := Estimate{}.Count(passageBlock(1, "T 1", small))*2 + 5
	stop := Pack(cands, budget, tc, PolicyStop)
	if len(stop.Packed) != 1 || stop.Packed[0].Passage.ID != "1" {
		t.Fatalf("stop packed %d", len(stop.Packed))
	}
	fill := Pack(cands, budget, tc, PolicyFill)
	if len(fill.Packed) != 2 || fill.Packed[1].Passage.ID != "3" || fill.Packed[1].N != 2 {
		t.Fatalf("fill packed %+v", fill.Packed)
	}
	// A passage larger than the whole budget is skipped, not truncated,
	// and does not stop packing even under the paper's policy.
	first := Pack([]retriever.Candidate{cand("big", big, 9), cand("1", small, 8)}, budget, tc, PolicyStop)
	if len(first.Packed) != 1 || first.Packed[0].Passage.ID != "1" || first.Oversized != 1 {
		t.Fatalf("oversized first: %+v", first)
	}
}

// Without a re-ranker's probabilities (an external stage reordered the
// candidates), excerpt packing gives whole passages while they fit, then
// each next passage by the longest excerpt that fits, stopping at the
// first of which none does, and tells which are excerpts.
func TestPackExcerpts(t *testing.T) {
	tc := Estimate{}
	long := "The first sentence says little. The second adds a bit more. " + strings.Repeat("Filler words go on here. ", 12)
	a, b, c, d := cand("1", long, 9), cand("2", long, 8), cand("3", long, 7), cand("4", "Short and whole.", 6)
	for _, x := range []*retriever.Candidate{&b, &c} {
		x.Excerpts = []string{"The first sentence says little. The second adds a bit more.", "The first sentence says little."}
	}
	one := tc.Count(passageBlock(1, a.Passage.Title, long))
	budget := one + tc.Count(passageBlock(2, b.Passage.Title, b.Excerpts[0])) + tc.Count(passageBlock(3, c.Passage.Title, c.Excerpts[1]))
	p := Pack([]retriever.Candidate{a, b, c, d}, budget, tc, PolicyExcerpt)
	if len(p.Packed) != 3 || p.Packed[0].Excerpted || !p.Packed[1].Excerpted || !p.Packed[2].Excerpted || len(p.Left) != 1 {
		t.Fatalf("packed %+v", p.Packed)
	}
	if p.Packed[0].Passage.Text != long || p.Packed[1].Passage.Text != b.Excerpts[0] || p.Packed[2].Passage.Text != c.Excerpts[1] || p.Used != budget {
		t.Fatalf("texts %q, used %d of %d", []string{p.Packed[1].Passage.Text, p.Packed[2].Passage.Text}, p.Used, budget)
	}
	// A passage none of whose excerpts fits stops packing; the left-out
	// keep their whole text.
	p = Pack([]retriever.Candidate{a, b, d}, one+tc.Count(passageBlock(2, d.Passage.Title, d.Passage.Text)), tc, PolicyExcerpt)
	if len(p.Packed) != 1 || len(p.Left) != 2 || p.Left[0].Passage.Text != long {
		t.Fatalf("tight budget packed %+v, left %+v", p.Packed, p.Left)
	}
	// Without excerpts (no re-ranker) the policy is the paper's.
	b.Excerpts, c.Excerpts = nil, nil
	if p := Pack([]retriever.Candidate{a, b, c, d}, one+50, tc, PolicyExcerpt); len(p.Packed) != 1 || len(p.Left) != 3 {
		t.Fatalf("without excerpts packed %+v", p.Packed)
	}
	if p := Pack([]retriever.Candidate{a, b, c, d}, one+50, tc, ""); len(p.Packed) != 1 {
		t.Fatalf("the default policy without excerpts packed %+v", p.Packed)
	}
}

// The estimate must not undercount real text, or packing by it would
// overflow the LM. Checked against cl100k on every SQuAD dev paragraph.
func TestEstimateIsConservative(t *testing.T) {
	path := filepath.Join(testenv.SharedData(t), corpus.SQuADDevPath)
	tc := NewTokenCounter("gpt-4", "")
	if tc.Name() != "cl100k_base" {
		t.Fatalf("gpt-4 counts with %s", tc.Name())
	}
	var est, real, n int
	_, err := corpus.ReadFile(context.Background(), path, "", func(d corpus.Document) error {
		e, r := Estimate{}.Count(d.Text), tc.Count(d.Text)
		if e < r {
			t.Errorf("%s: estimate %d < cl100k %d", d.ID, e, r)
		}
		est += e
		real += r
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ratio := float64(est) / float64(real)
	if ratio > 1.6 {
		t.Errorf("estimate is %.2fx the real count: too wasteful", ratio)
	}
	t.Logf("%d paragraphs: estimate/cl100k = %.2f", n, ratio)
}

// BenchmarkPackExcerpts packs 100 re-ranked candidates of 120 words, each
// with two excerpts and the chances a re-ranker gives, into 512 tokens
// with the excerpt policy.
func BenchmarkPackExcerpts(b *testing.B) {
	tc := NewTokenCounter("", "cl100k_base")
	var cands []retriever.Candidate
	for i := 0; i < 100; i++ {
		var t strings.Builder
		for s := 0; s < 6; s++ {
			fmt.Fprintf(&t, "Sentence %d of passage %d says the river Thames flooded London in %d. ", s, i, 1900+i)
		}
		c := cand(fmt.Sprint(i), t.String(), float64(100-i))
		c.Excerpts = []string{fmt.Sprintf("Sentence 1 of passage %d says the river Thames flooded London in %d. Sentence 2 of passage %d says the river Thames flooded London in %d.", i, 1900+i, i, 1900+i),
			fmt.Sprintf("Sentence 1 of passage %d says the river Thames flooded London in %d.", i, 1900+i)}
		c.Chance = math.Exp(-0.5*float64(i)) * (1 - math.Exp(-0.5))
		c.ExcerptChances = []float64{0.73 * c.Chance, 0.59 * c.Chance}
		cands = append(cands, c)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Pack(cands, 512, tc, PolicyExcerpt)
	}
}
