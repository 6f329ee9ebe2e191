package index

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/internal/testenv"
)

// reference is what the index's own English analyzer makes of text.
func reference(text string) ([]string, []int) {
	var terms []string
	var starts []int
	for _, t := range english().Analyze([]byte(text)) {
		terms = append(terms, string(t.Term))
		starts = append(starts, t.Start)
	}
	return terms, starts
}

// The re-ranker's terms, stemmed through a cache, must be the index's
// exactly: a term that differs is a question word that no longer matches.
func TestTermsMatchTheIndexAnalyzer(t *testing.T) {
	texts := []string{
		"Luther's wife Katharina's ring", "U.S. troops in 1,000.5 km²", "naïve café résumé", "東京タワー is 333 m",
		"don't won't it's", "e-mail x-ray co-operate", "TNF-α and IL-6 levels", "🙂 emoji and $5", "",
	}
	data := testenv.SharedData(t)
	for _, f := range []struct {
		path   string
		format corpus.Format
	}{
		{filepath.Join(data, "squad", "dev-v1.1.json.gz"), corpus.SQuAD},
		{filepath.Join(data, "scifact", "corpus.jsonl.gz"), corpus.BEIR},
		{filepath.Join(data, "nq", "nq-open-oracle.jsonl.gz"), corpus.NQ},
	} {
		if _, err := corpus.ReadFile(context.Background(), f.path, f.format, func(d corpus.Document) error {
			texts = append(texts, d.Title, d.Text)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(texts) < 19000 {
		t.Fatalf("only %d texts read", len(texts))
	}
	// Random text over the characters split without Bleve, and a few that
	// send text to it.
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZz09_.,;:'\"-!? \n\r\t’‘–—“”…°£€−×•\u00a0sSéÜłÿ÷")
	for i := 0; i < 50000; i++ {
		r := make([]rune, rng.IntN(24))
		for k := range r {
			r[k] = alphabet[rng.IntN(len(alphabet))]
		}
		if i%10 == 0 && len(r) > 0 {
			r[rng.IntN(len(r))] = []rune("µ·ƀ大\u00ad")[rng.IntN(5)]
		}
		texts = append(texts, string(r))
	}
	simple := 0
	for _, text := range texts {
		if simpleWords([]byte(text), func(int, int) {}) {
			simple++
		}
	}
	// Most text must take the fast path, or this test checks little of it.
	if simple < len(texts)*3/4 {
		t.Fatalf("%d of %d texts split without Bleve", simple, len(texts))
	}
	// Twice: the first pass fills the stem cache, the second reads it.
	for pass := 0; pass < 2; pass++ {
		for _, text := range texts {
			terms, starts := TermsAt(text)
			want, wantStarts := reference(text)
			if !slices.Equal(terms, want) || !slices.Equal(starts, wantStarts) {
				t.Fatalf("pass %d: %q\nterms %q\nindex %q", pass, text, terms, want)
			}
		}
	}
}

// FuzzTerms holds the re-ranker's terms to the index analyzer's on any
// text, whichever way it is split into words.
func FuzzTerms(f *testing.F) {
	for _, s := range []string{"it's U.S. 1,000.5", "a_b:c d'e 1'000 x.", "‘quoted’ – “dash” …", "naïve", "\x00\xff", ":;,.'_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		terms, starts := TermsAt(text)
		want, wantStarts := reference(text)
		if !slices.Equal(terms, want) || !slices.Equal(starts, wantStarts) {
			t.Fatalf("%q: terms %q at %v, index %q at %v", text, terms, starts, want, wantStarts)
		}
	})
}

// TermsOnce analyzes like Terms but leaves the shared word memory as it
// was, so that a lexicon's vocabulary does not crowd out passages' words.
func TestTermsOnceKeepsNothing(t *testing.T) {
	knownWords := func() int {
		wordsMu.RLock()
		defer wordsMu.RUnlock()
		return len(known)
	}
	text := "Quetzalcoatlus zygomorphic pterosaurs"
	if knownWords()+3 > maxWords {
		t.Skip("the word memory is full: it would keep nothing either way")
	}
	wordsMu.RLock()
	for _, w := range strings.Fields(text) {
		if _, ok := known[w]; ok {
			t.Errorf("%q is known before the test", w)
		}
	}
	wordsMu.RUnlock()
	before := knownWords()
	got := TermsOnce(text)
	if n := knownWords() - before; n != 0 {
		t.Errorf("TermsOnce kept %d words", n)
	}
	if want, _ := reference(text); !slices.Equal(got, want) {
		t.Errorf("TermsOnce(%q) = %q, the index makes %q", text, got, want)
	}
	Terms(text)
	if n := knownWords() - before; n != 3 {
		t.Errorf("Terms kept %d of the 3 new words", n)
	}
}
