package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/spf13/cobra"
)

// evalApp opens the pipeline as shoulders eval does, over a new data
// folder, with the given global flags; the managed Weaviate is the
// tests'.
func evalApp(t *testing.T, flags ...string) *app {
	t.Helper()
	cfg := &config{}
	root := &cobra.Command{}
	cfg.bind(root)
	if err := root.PersistentFlags().Parse(append([]string{"--data-dir", t.TempDir()}, flags...)); err != nil {
		t.Fatal(err)
	}
	cfg.WeaviateBin = testenv.WeaviateBin(t)
	a, err := cfg.openMeasuring(filepath.Join(cfg.DataDir, "eval"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// The bench row of POST /v1/rerank re-ranks BM25's candidates as texts,
// and hands them back under their own passage IDs, which judgments name.
func TestGivenRankerKeepsThePassagesIDs(t *testing.T) {
	a := evalApp(t, "--weaviate", "off")
	ctx := context.Background()
	src := []index.Source{{Name: "squad.json.gz", Format: corpus.SQuAD, Open: func() (io.ReadCloser, error) {
		return corpus.Open(filepath.Join(testenv.SharedData(t), corpus.SQuADDevPath))
	}}}
	if _, _, err := a.index(ctx, "squad", src, true); err != nil {
		t.Fatal(err)
	}
	m, err := rerank.Load(filepath.Join("..", "..", rerank.DefaultModelPath))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := rerank.New(m)
	if err != nil {
		t.Fatal(err)
	}
	bm25, _ := a.ranker("bm25", "squad")
	given, err := a.givenRanker("squad", rr)
	if err != nil {
		t.Fatal(err)
	}
	const q = "Which NFL team represented the AFC at Super Bowl 50?"
	first, _, err := bm25(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	out, st, err := given(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, c := range first {
		ids[c.Passage.ID] = c.Passage.Text
	}
	if len(out) != len(first) || st["rerank"] <= 0 {
		t.Fatalf("%d candidates for %d, stages %v", len(out), len(first), st)
	}
	for _, c := range out {
		if text, ok := ids[c.Passage.ID]; !ok || text != c.Passage.Text || !strings.HasPrefix(c.Passage.ID, "squad:") {
			t.Fatalf("candidate %q is not BM25's passage of that ID", c.Passage.ID)
		}
	}
	if out[0].Sources[len(out[0].Sources)-1].Retriever != "rerank" || st["search"] != st["retrieve"]+st["rerank"] {
		t.Fatalf("not re-ranked: %+v, stages %v", out[0].Sources, st)
	}
}
