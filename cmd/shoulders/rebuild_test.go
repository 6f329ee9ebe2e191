package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// An evaluation corpus that changes is indexed again, vectors included:
// the old corpus's vectors, of a model of another dimension, go with it
// rather than refuse the new ones.
func TestEvalCorpusRebuiltWithItsVectors(t *testing.T) {
	a := evalApp(t)
	if a.synced == nil {
		t.Fatal("no vector index")
	}
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "corpus.jsonl")
	topics := []string{"violin orchestra concert", "volcano lava eruption", "bread flour oven", "football goal match"}
	write := func(n int) []index.Source {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `{"id": "p%d", "title": "Note %d", "text": "Note %d tells of %s, and of %s."}`+"\n", i, i, i, topics[i%4], topics[(i/4)%4])
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(file)
		return []index.Source{{Name: file, Format: corpus.JSONL, Size: fi.Size(), Open: func() (io.ReadCloser, error) { return os.Open(file) }}}
	}
	dims := map[int]bool{}
	for _, n := range []int{40, 12} {
		if _, cached, err := a.index(ctx, "notes", write(n), true); err != nil || cached {
			t.Fatalf("index %d passages: cached %v, %v", n, cached, err)
		}
		c, err := a.store.Collection("notes", false)
		if err != nil {
			t.Fatal(err)
		}
		e, err := a.synced.Embedders.Embedder(ctx, c, false)
		if err != nil {
			t.Fatal(err)
		}
		dims[e.Dim()] = true
		ids, err := a.vectors.IDs(ctx, "notes")
		if err != nil || len(ids) != n {
			t.Fatalf("%d passages, %d vectors: %v", n, len(ids), err)
		}
		// Every vector is of the new model: a search by it finds them.
		got, err := a.reader.Retrievers["dense"].Retrieve(ctx, retriever.Query{Collection: "notes", Text: "lava eruption", K: n})
		if err != nil || len(got) != n {
			t.Fatalf("dense over %d passages: %d found, %v", n, len(got), err)
		}
	}
	if len(dims) != 2 {
		t.Fatalf("both corpora gave models of one dimension %v: the test shows nothing", dims)
	}
}
