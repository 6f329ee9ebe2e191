package lsa

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/index"
)

func words(s string) []string { return strings.Fields(strings.ToLower(s)) }

func cos(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// Words that share contexts end up close even when a query and a passage
// share no word: the point of LSA over BM25.
func TestFitBridgesCooccurringWords(t *testing.T) {
	var texts []string
	for i := 0; i < 30; i++ {
		texts = append(texts,
			"the violin and cello play music in the orchestra concert",
			"music orchestra symphony violin concert hall",
			"the striker scored a goal in the football match",
			"football match goal stadium striker team",
		)
	}
	m, err := Fit(texts, words, Options{Dim: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := m.Embed(context.Background(), []string{"symphony hall", "the violin concert", "stadium team", "xyzzy"})
	if cos(e[0], e[1]) < 0.8 || cos(e[0], e[2]) > 0.3 {
		t.Fatalf("music/music %.2f, music/football %.2f", cos(e[0], e[1]), cos(e[0], e[2]))
	}
	var n float64
	for _, x := range e[3] {
		n += float64(x * x)
	}
	if n != 0 {
		t.Fatal("unknown words must embed to zero")
	}
	for _, x := range e[:3] {
		if math.Abs(cos(x, x)-1) > 1e-4 {
			t.Fatal("embeddings must be unit vectors")
		}
	}
}

func TestFitIsDeterministicAndOrthonormal(t *testing.T) {
	var texts []string
	for i := 0; i < 200; i++ {
		texts = append(texts, strings.Repeat("alpha beta ", i%3+1)+strings.Repeat("gamma ", i%5)+[]string{"delta", "epsilon", "zeta"}[i%3])
	}
	a, _ := Fit(texts, words, Options{Dim: 3, Seed: 7})
	b, _ := Fit(texts, words, Options{Dim: 3, Seed: 7})
	if len(a.Proj) != 3 {
		t.Fatalf("%d dimensions", len(a.Proj))
	}
	for d := range a.Proj {
		for i := range a.Proj[d] {
			if a.Proj[d][i] != b.Proj[d][i] {
				t.Fatal("same seed, different models")
			}
		}
	}
	for i := range a.Proj {
		for j := range a.Proj {
			want := 0.0
			if i == j {
				want = 1
			}
			if got := cos(a.Proj[i], a.Proj[j]); math.Abs(got-want) > 1e-3 {
				t.Fatalf("proj rows %d,%d: dot %.4f", i, j, got)
			}
		}
	}
}

func TestTinyCorpus(t *testing.T) {
	for _, texts := range [][]string{{"one passage of words"}, {"the same words", "the same words"}} {
		if _, err := Fit(texts, words, Options{}); !errors.Is(err, index.ErrTooFewPassages) {
			t.Fatalf("%q: %v", texts, err)
		}
	}
	m, err := Fit([]string{"alpha beta", "beta gamma", "gamma delta"}, words, Options{})
	if err != nil || m.Dim() < 1 || m.Dim() > 2 {
		t.Fatalf("tiny corpus: %v, dim %v", err, m)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m, err := Fit([]string{"alpha beta", "beta gamma", "gamma delta", "delta alpha"}, words, Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/m.lsa"
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path, words)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Embed(context.Background(), []string{"beta gamma"})
	b, _ := l.Embed(context.Background(), []string{"beta gamma"})
	for i := range a[0] {
		if a[0][i] != b[0][i] {
			t.Fatal("loaded model embeds differently")
		}
	}
}
