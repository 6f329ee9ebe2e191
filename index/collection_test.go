package index

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
)

func entry(ch corpus.Chunker, id, title, text string) Entry {
	d := corpus.Document{ID: id, Title: title, Text: text, Source: id}
	return Entry{Doc: d, Passages: ch.Split(d)}
}

func sentences(prefix string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(prefix)
		b.WriteString(" sentence number filler words here. ")
	}
	return b.String()
}

func openTest(t *testing.T, dir string) (*Store, *Collection) {
	t.Helper()
	s, err := OpenStore(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Collection("test", true)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestReingestReplacesPassages(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	ch := corpus.Chunker{Words: 20}
	if err := c.Upsert(ctx, []Entry{entry(ch, "a", "Alpha", sentences("Zebra", 20)), entry(ch, "b", "Beta", "Other text about giraffes.")}); err != nil {
		t.Fatal(err)
	}
	before, _ := c.PassageCount()
	rec, _ := c.Record("a")
	if rec.Passages < 5 || before != uint64(rec.Passages+1) {
		t.Fatalf("a has %d passages, index %d", rec.Passages, before)
	}
	// The new version is shorter and speaks of another animal.
	if err := c.Upsert(ctx, []Entry{entry(ch, "a", "Alpha", sentences("Okapi", 3))}); err != nil {
		t.Fatal(err)
	}
	after, _ := c.PassageCount()
	rec, _ = c.Record("a")
	if after != uint64(rec.Passages+1) || rec.Passages >= 5 {
		t.Fatalf("after re-ingest: a has %d passages, index %d", rec.Passages, after)
	}
	if hits, _ := c.Search(ctx, "zebra", 10); len(hits) != 0 {
		t.Fatalf("stale passages still found: %v", hits[0].Passage.ID)
	}
	if hits, _ := c.Search(ctx, "okapi", 10); len(hits) != rec.Passages {
		t.Fatalf("found %d okapi passages, want %d", len(hits), rec.Passages)
	}
}

func TestDuplicateInOneBatchKeepsLast(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	ch := corpus.Chunker{Words: 20}
	if err := c.Upsert(ctx, []Entry{entry(ch, "a", "A", sentences("First", 10)), entry(ch, "a", "A", "Second version.")}); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.PassageCount(); n != 1 {
		t.Fatalf("%d passages after a batch that ends with a one-passage version", n)
	}
}

func TestDeleteRemovesPassages(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	ch := corpus.Chunker{Words: 20}
	_ = c.Upsert(ctx, []Entry{entry(ch, "a", "Alpha", sentences("Zebra", 10)), entry(ch, "b", "Beta", "Giraffes are tall.")})
	if _, err := c.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.PassageCount(); n != 1 {
		t.Fatalf("%d passages left, want 1", n)
	}
	if hits, _ := c.Search(ctx, "zebra", 10); len(hits) != 0 {
		t.Fatal("deleted passages still found")
	}
	if _, err := c.Delete(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if _, err := c.Record("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("record after delete: %v", err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, c := openTest(t, dir)
	ch := corpus.Chunker{Words: 20}
	_ = c.Upsert(ctx, []Entry{entry(ch, "docs/a.md", "Alpha", sentences("Zebra", 10))})
	want, _ := c.PassageCount()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, c = openTest(t, dir)
	defer s.Close()
	got, _ := c.PassageCount()
	if got != want || got == 0 {
		t.Fatalf("reopened with %d passages, want %d", got, want)
	}
	ps, err := c.DocumentPassages(ctx, "docs/a.md")
	if err != nil || len(ps) != int(want) || ps[0].Title != "Alpha" || ps[1].Ordinal != 1 {
		t.Fatalf("passages after reopen: %v %+v", err, ps)
	}
	docs, total, err := c.Documents(ctx, 0, 10)
	if err != nil || total != 1 || docs[0].ID != "docs/a.md" {
		t.Fatalf("documents after reopen: %v %d %+v", err, total, docs)
	}
}

func TestCollectionsAreApart(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, _ := s.Collection("a", true)
	b, _ := s.Collection("b", true)
	ch := corpus.Chunker{}
	_ = a.Upsert(ctx, []Entry{entry(ch, "x", "X", "Secret plans of collection a.")})
	_ = b.Upsert(ctx, []Entry{entry(ch, "x", "X", "Public notes of collection b.")})
	if hits, _ := b.Search(ctx, "secret plans", 10); len(hits) != 0 {
		t.Fatal("collection b finds a's passage")
	}
	if _, err := s.Collection("missing", false); !errors.Is(err, ErrNoCollection) {
		t.Fatalf("missing collection: %v", err)
	}
	if _, err := s.Collection("../etc", true); err == nil {
		t.Fatal("path-like collection name accepted")
	}
	names, _ := s.Collections()
	if strings.Join(names, ",") != "a,b" {
		t.Fatalf("collections %v", names)
	}
}

func TestSearchRanksTitleAndText(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	ch := corpus.Chunker{}
	_ = c.Upsert(ctx, []Entry{
		entry(ch, "1", "Cooking", "Recipes for bread and soup."),
		entry(ch, "2", "Astronomy", "Telescopes observe distant galaxies and stars."),
		entry(ch, "3", "Stars", "Bright objects seen at night."),
	})
	hits, err := c.Search(ctx, "galaxies telescopes", 10)
	if err != nil || len(hits) == 0 || hits[0].Passage.DocID != "2" {
		t.Fatalf("search: %v %+v", err, hits)
	}
	hits, _ = c.Search(ctx, "star", 10) // stemmed: stars
	if len(hits) != 2 {
		t.Fatalf("stemmed search found %d passages, want 2", len(hits))
	}
}

// Equal scores are ordered by passage ID, and a tie across the k-th place
// is resolved the same way, whatever order the passages were written in.
func TestSearchTiesGoByPassageID(t *testing.T) {
	ctx := context.Background()
	ch := corpus.Chunker{}
	var want []string
	for _, order := range [][]int{{5, 3, 9, 1, 7, 2, 8, 0, 6, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}} {
		s, c := openTest(t, t.TempDir())
		for _, i := range order {
			// One batch per passage: separate segments, as concurrent ingest makes.
			if err := c.Upsert(ctx, []Entry{entry(ch, fmt.Sprintf("doc%d", i), "Same", "Identical words about rivers.")}); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Upsert(ctx, []Entry{entry(ch, "best", "Rivers", "Rivers, rivers and rivers.")}); err != nil {
			t.Fatal(err)
		}
		hits, err := c.Search(ctx, "rivers", 4)
		s.Close()
		if err != nil || len(hits) != 4 {
			t.Fatalf("search: %v, %d hits", err, len(hits))
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Passage.DocID)
		}
		if got[0] != "best" || got[1] != "doc0" || got[2] != "doc1" || got[3] != "doc2" {
			t.Fatalf("written in order %v, found %v", order, got)
		}
		if want != nil && strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%v, then %v", want, got)
		}
		want = got
	}
}
