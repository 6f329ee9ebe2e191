package index

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/shoulders-qa/shoulders/corpus"
)

// A question typed without accents finds the passage that has them, and
// the other way round; both spellings are one term for the re-ranker too.
func TestAccentsFold(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	ch := corpus.Chunker{}
	if err := c.Upsert(ctx, []Entry{
		entry(ch, "song", "Pokémon theme", "Jason Paige sang the first theme song of the series."),
		entry(ch, "show", "Halftime", "Beyoncé and Bruno Mars joined Coldplay at halftime."),
		entry(ch, "cafe", "Cafe", "A small cafe near the station serves naive art fans."),
		entry(ch, "other", "Football", "The Broncos won the game with a strong defense."),
	}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"who sang the pokemon theme": "song",
		"beyonce halftime":           "show",
		"café naïve":                 "cafe",
		"Pokémon":                    "song",
		"BEYONCÉ":                    "show",
	} {
		hits, err := c.Search(ctx, q, 10)
		if err != nil || len(hits) == 0 || hits[0].Passage.DocID != want {
			t.Errorf("%q: want %s first, got %v %+v", q, want, err, hits)
		}
	}
	if a, b := Terms("Tugh Temür, Müntzer's"), Terms("tugh temur muntzer"); !slices.Equal(a, b) {
		t.Errorf("folded terms differ: %v and %v", a, b)
	}
	df, _, err := c.DocFreqs(ctx, Terms("pokemon"))
	if err != nil || df[Terms("Pokémon")[0]] != 1 {
		t.Errorf("document frequency of the folded term: %v %v", df, err)
	}
}

// An index built before accents were folded still opens and searches
// through its own analyzer, and says which one it is.
func TestOlderAnalyzerStillOpens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	olderCollection(t, dir, "test")
	s, c := openTest(t, dir)
	defer s.Close()
	if c.Analyzer() != en.AnalyzerName {
		t.Fatalf("analyzer %q, want %q", c.Analyzer(), en.AnalyzerName)
	}
	if err := c.Upsert(ctx, []Entry{entry(corpus.Chunker{}, "a", "Rivers", "Rivers flow to the sea.")}); err != nil {
		t.Fatal(err)
	}
	if hits, err := c.Search(ctx, "river", 5); err != nil || len(hits) != 1 {
		t.Fatalf("search in the older index: %v %+v", err, hits)
	}
	s2, c2 := openTest(t, t.TempDir())
	defer s2.Close()
	if c2.Analyzer() != AnalyzerName {
		t.Fatalf("a new collection's analyzer is %q", c2.Analyzer())
	}
}

// olderCollection creates an empty collection as releases before accent
// folding made them: Bleve's English analyzer on every text field.
func olderCollection(t *testing.T, dir, name string) {
	t.Helper()
	m := passageMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	for _, f := range []string{fieldTitle, fieldText, fieldBody} {
		m.DefaultMapping.Properties[f].Fields[0].Analyzer = en.AnalyzerName
	}
	// Nor did older releases index metadata and folders.
	delete(m.DefaultMapping.Properties, fieldMetaKV)
	delete(m.DefaultMapping.Properties, fieldDocDirs)
	idx, err := bleve.New(filepath.Join(dir, "collections", name, "bleve"), m)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
}
