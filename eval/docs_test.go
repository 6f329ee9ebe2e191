package eval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// The docs questions stay fit to measure with: each answer is in some
// passage of docs/ as ingest cuts them, and in few, so that finding it
// means finding the section that answers. Docs rewritten under a
// question fail here rather than lower the benchmark quietly.
func TestDocsQuestionsAreAnswerable(t *testing.T) {
	ctx := context.Background()
	ds, err := LoadDataset(ctx, DatasetSpec{Name: "docs",
		Questions: filepath.Join("testdata", "docs-questions.jsonl"), Corpus: []string{filepath.Join("..", "docs")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Questions) < 40 {
		t.Fatalf("%d docs questions", len(ds.Questions))
	}
	in := &index.Ingester{Chunker: corpus.Chunker{Words: corpus.DefaultChunkWords}}
	var texts []string
	if _, err := in.Documents(ctx, ds.Corpus, func(d corpus.Document, _ int64) error {
		for _, p := range in.Chunker.Split(d) {
			texts = append(texts, p.Text)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(texts) < 100 {
		t.Fatalf("docs/ cut into %d passages", len(texts))
	}
	for _, q := range ds.Questions {
		n := 0
		for _, tx := range texts {
			if HasAnswer(tx, q.Answers) {
				n++
			}
		}
		switch {
		case n == 0:
			t.Errorf("%q: no passage of docs/ holds %q", q.Text, q.Answers)
		case n > 4:
			t.Errorf("%q: %d passages hold %q, too many to tell the answer's section", q.Text, n, q.Answers)
		}
	}
}
