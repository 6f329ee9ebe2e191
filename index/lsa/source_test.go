package lsa

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

func grow(t *testing.T, c *index.Collection, from, to int) {
	t.Helper()
	var ds []corpus.Document
	topics := []string{"violin orchestra concert", "volcano lava eruption", "bread flour oven", "football goal match"}
	for i := from; i < to; i++ {
		ds = append(ds, corpus.Document{ID: fmt.Sprintf("d%d", i), Title: "Note", Text: fmt.Sprintf("Note %d on %s and %s.", i, topics[i%4], topics[(i+1)%4])})
	}
	in := index.Ingester{Chunker: corpus.Chunker{Words: 50}}
	if err := c.Upsert(context.Background(), in.Entries(ds)); err != nil {
		t.Fatal(err)
	}
}

// A collection started with a few documents gets its model learned again
// as it doubles, up to the fitting sample; a refit stopped between saving
// and recording the model is taken up again.
func TestSourceRefitsAsTheCollectionGrows(t *testing.T) {
	ctx := context.Background()
	store, err := index.OpenStore(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, err := store.Collection("notes", true)
	if err != nil {
		t.Fatal(err)
	}
	s := &Source{Options: Options{Dim: 8, Seed: 1, Sample: 12}}
	grow(t, c, 0, 1)
	if _, err := s.Embedder(ctx, c, true); !errors.Is(err, index.ErrTooFewPassages) {
		t.Fatalf("a one-passage collection: %v", err)
	}
	stale := func(want bool) {
		t.Helper()
		if got, err := s.Stale(ctx, c); err != nil || got != want {
			t.Fatalf("stale: %v %v, want %v", got, err, want)
		}
	}
	stale(false)
	grow(t, c, 1, 2)
	if e, err := s.Embedder(ctx, c, true); err != nil || e.Dim() != 1 {
		t.Fatalf("a two-passage collection: %v %v", err, e)
	}
	grow(t, c, 2, 3)
	stale(false)
	grow(t, c, 3, 5)
	stale(true)
	e, err := s.Refit(ctx, c)
	if err != nil || e.Dim() != 4 || e.(*embedder).m.Docs != 5 {
		t.Fatalf("refit on 5: %v %v", err, e)
	}
	stale(false)
	// The new model is the collection's, for this source and the next.
	if got, err := s.Embedder(ctx, c, false); err != nil || got.Dim() != 4 {
		t.Fatalf("embedder after the refit: %v %v", err, got)
	}
	if got, err := (&Source{Options: s.Options}).Embedder(ctx, c, false); err != nil || got.Dim() != 4 {
		t.Fatalf("embedder read afresh: %v %v", err, got)
	}

	// A refit that saved its model and stopped before recording it.
	grow(t, c, 5, 9)
	var texts []string
	_ = c.EachPassage(ctx, func(ps []corpus.Passage) error {
		for _, p := range ps {
			texts = append(texts, index.EmbedText(p))
		}
		return nil
	})
	m, err := Fit(texts, index.Terms, s.Options)
	if err != nil || m.Dim() == 4 {
		t.Fatalf("fit: %v, dim %d", err, m.Dim())
	}
	if err := m.Save(filepath.Join(c.Dir(), "lsa.model")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Embedder(ctx, c, false); err == nil {
		t.Fatal("a model of another dimension than recorded was taken")
	}
	stale(true)
	if _, err := s.Refit(ctx, c); err != nil {
		t.Fatal(err)
	}
	stale(false)

	// Past the fitting sample, a model is never stale again.
	grow(t, c, 9, 30)
	stale(true)
	if _, err := s.Refit(ctx, c); err != nil {
		t.Fatal(err)
	}
	grow(t, c, 30, 80)
	stale(false)
	if _, err := os.Stat(filepath.Join(c.Dir(), "lsa.model")); err != nil {
		t.Fatal(err)
	}
}
