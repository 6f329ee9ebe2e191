package index_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/index/lsa"
	"github.com/shoulders-qa/shoulders/internal/testenv"
)

// A bulk ingest with a follower ends with both indexes identical, its
// vectors written during the ingest by a model fitted on its first
// passages, the same model for the same input.
func TestFollowerWritesVectorsDuringIngest(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	squad := filepath.Join(testenv.SharedData(t), "squad", "dev-v1.1.json.gz")
	srcs, _, err := index.FileSources([]string{squad}, corpus.SQuAD)
	if err != nil {
		t.Fatal(err)
	}
	const fitAt = 600
	fitted := map[string]int{}
	for _, name := range []string{"first", "second"} {
		c, err := r.store.Collection(name, true)
		if err != nil {
			t.Fatal(err)
		}
		fol := r.synced.Follow(ctx, c, fitAt)
		in := index.Ingester{}
		rep, err := in.Ingest(ctx, fol.Writer(), srcs)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := fol.Finish(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := r.same(t, c); n != rep.Passages || rec.Added != rep.Passages {
			t.Fatalf("%s: %d passages in both indexes, %d ingested, %d vectors added", name, n, rep.Passages, rec.Added)
		}
		m, err := lsa.Load(filepath.Join(c.Dir(), "lsa.model"), index.Terms)
		if err != nil {
			t.Fatal(err)
		}
		if m.Docs < fitAt || m.Docs >= rep.Passages {
			t.Fatalf("%s: model fitted on %d passages; want the first %d or so of %d", name, m.Docs, fitAt, rep.Passages)
		}
		fitted[name] = m.Docs
	}
	if fitted["first"] != fitted["second"] {
		t.Fatalf("the same input fitted on %d and %d passages", fitted["first"], fitted["second"])
	}
}
