package rerank

import (
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// How much of a title the question names: the article about the subject
// against those that mention it, and the kind in parentheses matched
// through a WordNet relative.
func TestTitleAsked(t *testing.T) {
	lex, err := WordNet()
	if err != nil {
		t.Skip("WordNet is not installed:", err)
	}
	asked := func(question, title string) (share, all, kind float64) {
		q := newQuery(question, index.Terms(question), uniformIDF, lex)
		d := analyze(corpus.Passage{ID: "p#0", Title: title, Text: "Some text."}, nil)
		f := make([]float64, numFeatures)
		q.titleAsked(d, f)
		return f[fTitleAsked], f[fTitleAllAsked], f[fTitleKindAsked]
	}
	q := "what was the population of the roman empire at its height"
	if s, a, _ := asked(q, "Roman Empire"); s != 1 || a != 1 {
		t.Fatalf("Roman Empire: share %v, all %v", s, a)
	}
	if s, a, _ := asked(q, "Fall of the Western Roman Empire"); s != 0.5 || a != 0 {
		t.Fatalf("Fall of the Western Roman Empire: share %v, all %v", s, a)
	}
	// "movie" is WordNet's synonym of "film"; the kind is not the name.
	q = "who played buffy the vampire slayer in the movie"
	if s, a, k := asked(q, "Buffy the Vampire Slayer (film)"); s != 1 || a != 1 || k != 1 {
		t.Fatalf("(film): share %v, all %v, kind %v", s, a, k)
	}
	// An episode's title names the series in its parentheses: the
	// question holds all of those, none of its own name.
	if s, a, k := asked(q, "Once More, with Feeling (Buffy the Vampire Slayer)"); s != 0 || a != 0 || k != 1 {
		t.Fatalf("an episode: share %v, all %v, kind %v", s, a, k)
	}
	if s, a, k := asked(q, ""); s != 0 || a != 0 || k != 0 {
		t.Fatalf("no title: %v %v %v", s, a, k)
	}
	for title, want := range map[string][2]string{
		"Small Steps (novel)":       {"Small Steps", "novel"},
		"Law & Order (season 19)":   {"Law & Order", "season 19"},
		"Plain":                     {"Plain", ""},
		"(film)":                    {"(film)", ""},
		"Pi (mathematical constant": {"Pi (mathematical constant", ""},
	} {
		if name, kind, _ := splitTitle(title); name != want[0] || kind != want[1] {
			t.Errorf("splitTitle(%q) = %q, %q", title, name, kind)
		}
	}
}
