package reader

import (
	"context"
	"github.com/shoulders-qa/shoulders/internal/testenv"
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
			c.Excerpt = strings.Repeat("word ", 3+i%7)
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

// Excerpt packing gives whole passages while they fit, then the next
// ones' excerpts in the budget left, and tells which are excerpts.
func TestPackExcerpts(t *testing.T) {
	tc := Estimate{}
	long := "The first sentence says little. " + strings.Repeat("Filler words go on here. ", 12)
	a, b, c := cand("1", long, 9), cand("2", long, 8), cand("3", "Short and whole.", 7)
	b.Excerpt = "The first sentence says little."
	c.Excerpt = "Short."
	one := tc.Count(passageBlock(1, a.Passage.Title, long))
	budget := one + tc.Count(passageBlock(2, b.Passage.Title, b.Excerpt)) + tc.Count(passageBlock(3, c.Passage.Title, c.Excerpt))
	p := Pack([]retriever.Candidate{a, b, c}, budget, tc, PolicyExcerpt)
	if len(p.Packed) != 3 || p.Packed[0].Excerpted || !p.Packed[1].Excerpted || !p.Packed[2].Excerpted {
		t.Fatalf("packed %+v", p.Packed)
	}
	if p.Packed[1].Passage.Text != b.Excerpt || p.Packed[0].Passage.Text != long || p.Used > budget {
		t.Fatalf("texts %q / %q, used %d of %d", p.Packed[0].Passage.Text, p.Packed[1].Passage.Text, p.Used, budget)
	}
	// Once excerpts start, a passage too big even as an excerpt stops
	// packing, as the paper's policy does.
	p = Pack([]retriever.Candidate{a, b, c}, one+3, tc, PolicyExcerpt)
	if len(p.Packed) != 1 || len(p.Left) != 2 || p.Left[0].Passage.Text != long {
		t.Fatalf("tight budget packed %d, left %+v", len(p.Packed), p.Left)
	}
	// Without excerpts (no re-ranker) the policy is the paper's.
	a.Excerpt, b.Excerpt, c.Excerpt = "", "", ""
	if p := Pack([]retriever.Candidate{a, b, c}, budget, tc, PolicyExcerpt); len(p.Packed) != 1 {
		t.Fatalf("without excerpts packed %d", len(p.Packed))
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
