package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/shoulders-qa/shoulders/corpus"
)

// Reindexing an older collection folds its accents and keeps every
// passage, record and setting as it was.
func TestReindexKeepsEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	olderCollection(t, dir, "test")
	s, c := openTest(t, dir)
	ch := corpus.Chunker{Words: 20}
	long := entry(ch, "long", "Long", sentences("Zebra", 12))
	long.Doc.Metadata = map[string]string{"team": "zoo"}
	if err := c.Upsert(ctx, []Entry{long, entry(ch, "show", "Halftime", "Beyoncé and Bruno Mars joined Coldplay at halftime.")}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"embedder": "lsa/3", "owner": "research"} {
		if err := c.SetMeta(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if hits, _ := c.Search(ctx, "beyonce", 5); len(hits) != 0 {
		t.Fatalf("the older analyzer matched beyonce: %+v", hits)
	}
	zoo := Filter{Metadata: map[string][]string{"team": {"zoo"}}}
	if _, err := c.SearchIn(ctx, "zebra", 5, zoo); !errors.Is(err, ErrReindexNeeded) {
		t.Fatalf("a metadata filter before the reindex: %v", err)
	}
	// A folder filter works before, by the IDs, and after, by the folders.
	must(t, c.Upsert(ctx, []Entry{entry(ch, "notes/okapi.md", "Okapi", "Okapis are related to giraffes.")}))
	notes := Filter{Docs: []string{"notes/*"}}
	if hits, err := c.SearchIn(ctx, "okapis giraffes", 5, notes); err != nil || len(hits) != 1 {
		t.Fatalf("a folder filter before the reindex: %v %d", err, len(hits))
	}
	before := snapshot(t, c)
	var calls, last int
	if err := s.Reindex(ctx, "test", func(n, total int) { calls, last = calls+1, n }); err != nil {
		t.Fatal(err)
	}
	c, err := s.Collection("test", false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Analyzer() != AnalyzerName {
		t.Fatalf("analyzer after reindex: %q", c.Analyzer())
	}
	if after := snapshot(t, c); !reflect.DeepEqual(before, after) {
		t.Fatalf("reindex changed what is stored:\nbefore %+v\nafter  %+v", before, after)
	}
	if calls == 0 || last != before.passages {
		t.Fatalf("progress: %d calls, last %d of %d passages", calls, last, before.passages)
	}
	if hits, err := c.Search(ctx, "beyonce", 5); err != nil || len(hits) != 1 || hits[0].Passage.DocID != "show" {
		t.Fatalf("beyonce after reindex: %v %+v", err, hits)
	}
	if hits, err := c.SearchIn(ctx, "okapis giraffes", 5, notes); err != nil || len(hits) != 1 || c.Outdated() {
		t.Fatalf("a folder filter after the reindex: %v %d (outdated: %v)", err, len(hits), c.Outdated())
	}
	// Every passage of a document now carries its metadata, not only the
	// first, which holds the record.
	if hits, err := c.SearchIn(ctx, "zebra sentence", 100, zoo); err != nil || len(hits) != before.records["long"].Passages || len(hits) < 2 {
		t.Fatalf("zebra within team zoo after reindex: %v, %d hits of %d passages", err, len(hits), before.records["long"].Passages)
	}
	for _, left := range []string{"bleve.new", "bleve.old"} {
		if _, err := os.Stat(filepath.Join(c.Dir(), left)); !os.IsNotExist(err) {
			t.Fatalf("%s left behind: %v", left, err)
		}
	}
	s.Close()
	// And it stays so after a restart.
	s2, c2 := openTest(t, dir)
	defer s2.Close()
	if c2.Analyzer() != AnalyzerName || !reflect.DeepEqual(before, snapshot(t, c2)) {
		t.Fatal("the rebuilt index did not survive a restart")
	}
}

type stored struct {
	passages int
	texts    map[string]string
	records  map[string]DocRecord
	meta     map[string]string
}

func snapshot(t *testing.T, c *Collection) stored {
	t.Helper()
	ctx := context.Background()
	st := stored{texts: map[string]string{}, records: map[string]DocRecord{}, meta: map[string]string{}}
	if err := c.EachPassage(ctx, func(ps []corpus.Passage) error {
		for _, p := range ps {
			st.passages++
			st.texts[p.ID] = strings.Join([]string{p.DocID, p.Title, p.Text, p.Source}, "|")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"long", "show"} {
		r, err := c.Record(id)
		if err != nil {
			t.Fatal(err)
		}
		st.records[id] = r
	}
	for _, k := range []string{"embedder", "owner"} {
		v, err := c.Meta(k)
		if err != nil {
			t.Fatal(err)
		}
		st.meta[k] = v
	}
	return st
}

// A crash between the swap's two renames leaves only bleve.new, which is
// whole and is taken; a crash while copying leaves bleve.new beside the
// old index, which is kept.
func TestInterruptedReindex(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		crash    func(colDir string)
		analyzer string
	}{
		{"between renames", func(d string) {
			must(t, os.Rename(filepath.Join(d, "bleve"), filepath.Join(d, "bleve.old")))
			// The whole new index, as Reindex leaves it before its second rename.
			s, c := openTest(t, t.TempDir())
			must(t, c.Upsert(ctx, []Entry{entry(corpus.Chunker{}, "a", "Café", "Rivers flow to the sea.")}))
			s.Close()
			must(t, os.Rename(c.dir+"/bleve", filepath.Join(d, "bleve.new")))
		}, AnalyzerName},
		{"while copying", func(d string) {
			must(t, os.MkdirAll(filepath.Join(d, "bleve.new", "store"), 0o755))
			must(t, os.WriteFile(filepath.Join(d, "bleve.new", "store", "partial"), []byte("half"), 0o644))
		}, en.AnalyzerName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			olderCollection(t, dir, "test")
			s, c := openTest(t, dir)
			must(t, c.Upsert(ctx, []Entry{entry(corpus.Chunker{}, "a", "Cafe", "Rivers flow to the sea.")}))
			colDir := c.Dir()
			s.Close()
			tc.crash(colDir)
			s, err := OpenStore(dir, Options{})
			must(t, err)
			defer s.Close()
			if names, err := s.Collections(); err != nil || len(names) != 1 {
				t.Fatalf("collections after the crash: %v %v", names, err)
			}
			c, err = s.Collection("test", false)
			must(t, err)
			if c.Analyzer() != tc.analyzer {
				t.Fatalf("analyzer %q, want %q", c.Analyzer(), tc.analyzer)
			}
			if hits, err := c.Search(ctx, "rivers", 5); err != nil || len(hits) != 1 {
				t.Fatalf("search after recovery: %v %+v", err, hits)
			}
			for _, left := range []string{"bleve.new", "bleve.old"} {
				if _, err := os.Stat(filepath.Join(colDir, left)); !os.IsNotExist(err) {
					t.Fatalf("%s left behind", left)
				}
			}
		})
	}
}

// Two reindexes of one collection do not run at once.
func TestReindexRefusesWhileAnotherRuns(t *testing.T) {
	dir := t.TempDir()
	s, c := openTest(t, dir)
	defer s.Close()
	unlock, ok, err := lockDir(c.Dir())
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer unlock()
	err = s.Reindex(context.Background(), "test", nil)
	if err == nil || !strings.Contains(err.Error(), "being reindexed by another process") {
		t.Fatalf("want a refusal, got %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
