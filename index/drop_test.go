package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
)

func TestDropCollection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, a := openTest(t, dir)
	defer s.Close()
	ch := corpus.Chunker{Words: 20}
	if err := a.Upsert(ctx, []Entry{entry(ch, "zebra.md", "Zebras", sentences("Zebra", 5))}); err != nil {
		t.Fatal(err)
	}
	b, err := s.Collection("kept", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Upsert(ctx, []Entry{entry(ch, "giraffe.md", "Giraffes", sentences("Giraffe", 5))}); err != nil {
		t.Fatal(err)
	}

	// A failing first step deletes nothing.
	stop := errors.New("vectors unavailable")
	if err := s.Drop("test", func() error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("drop with a failing first step: %v", err)
	}
	if hits, err := a.Search(ctx, "zebra", 5); err != nil || len(hits) == 0 {
		t.Fatalf("search after a failed drop: %v %d", err, len(hits))
	}

	if err := s.Drop("test", nil); err != nil {
		t.Fatal(err)
	}
	if names, _ := s.Collections(); !slices.Equal(names, []string{"kept"}) {
		t.Fatalf("collections after drop: %v", names)
	}
	// A request that held the collection learns it is gone.
	if _, err := a.Search(ctx, "zebra", 5); !Deleted(err) {
		t.Fatalf("search of a dropped collection: %v", err)
	}
	// So do background passes: every read of the held collection is an
	// error that Deleted recognizes, not a panic.
	reads := map[string]func() error{
		"PassageIDs":   func() error { _, err := a.PassageIDs(ctx); return err },
		"DocFreqs":     func() error { _, _, err := a.DocFreqs(ctx, []string{"zebra"}); return err },
		"Passages":     func() error { _, err := a.Passages(ctx, []string{corpus.PassageID("zebra.md", 0)}); return err },
		"Documents":    func() error { _, _, err := a.Documents(ctx, 0, 10); return err },
		"Record":       func() error { _, err := a.Record("zebra.md"); return err },
		"Generation":   func() error { _, err := a.Generation(); return err },
		"PassageCount": func() error { _, err := a.PassageCount(); return err },
		"EachPassage": func() error {
			return a.EachPassage(ctx, func([]corpus.Passage) error { return nil })
		},
		"FilteredPassageIDs": func() error { _, err := a.FilteredPassageIDs(ctx, Filter{}, 10); return err },
	}
	for name, read := range reads {
		if err := read(); !Deleted(err) {
			t.Errorf("%s of a dropped collection: %v", name, err)
		}
	}
	if _, err := s.Collection("test", false); !errors.Is(err, ErrNoCollection) {
		t.Fatalf("open after drop: %v", err)
	}
	if err := s.Drop("test", nil); !errors.Is(err, ErrNoCollection) {
		t.Fatalf("second drop: %v", err)
	}
	if hits, err := b.Search(ctx, "giraffe", 5); err != nil || len(hits) == 0 {
		t.Fatalf("the other collection: %v %d", err, len(hits))
	}
	// The name can be used again, and starts empty.
	again, err := s.Collection("test", true)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := again.PassageCount(); n != 0 {
		t.Fatalf("a new collection of the old name holds %d passages", n)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "collections")); len(ents) != 2 {
		t.Fatalf("folders left: %v", ents)
	}
}

// A crash between the rename and the removal leaves a folder that the
// next start removes, and no collection.
func TestDropFinishedAfterACrash(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, "collections", deletedPrefix+"test-1", "bleve")
	if err := os.MkdirAll(left, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, "index_meta.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Dir(left)); !os.IsNotExist(err) {
		t.Fatalf("leftover not removed: %v", err)
	}
	if names, _ := s.Collections(); len(names) != 0 {
		t.Fatalf("collections: %v", names)
	}
}
