package weaviate

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/index/lsa"
)

// Every collection name of up to four characters from a, 0, '-' and '_'
// gets a class of its own, even to Weaviate, which ignores case. The
// earlier naming gave "team-a" and "team_a" one class.
func TestClassNamesAreOneToOne(t *testing.T) {
	seen := map[string]string{}
	var walk func(name string)
	walk = func(name string) {
		if len(name) == 4 {
			return
		}
		for _, r := range "a0-_" {
			n := name + string(r)
			if corpus.ValidateCollection(n) == nil {
				c := strings.ToLower(ClassName(n))
				if o, ok := seen[c]; ok {
					t.Fatalf("%q and %q share the class %s", o, n, ClassName(n))
				}
				seen[c] = n
			}
			walk(n)
		}
	}
	walk("")
	if len(seen) < 100 {
		t.Fatalf("only %d names walked", len(seen))
	}
	if ClassName("default") != "Shoulders_default" || ClassName("default") != legacyClassName("default") {
		t.Fatalf("a plain name's class changed: %s", ClassName("default"))
	}
	if legacyClassName("team-a") != legacyClassName("team_a") || ClassName("team-a") == ClassName("team_a") {
		t.Fatal("the earlier naming is not the one that shared classes")
	}
}

func TestMoveLegacy(t *testing.T) {
	ctx := context.Background()
	_, st := testServer(t)
	ps := []corpus.Passage{
		{ID: "a#0", DocID: "a", Title: "Violins", Text: "The violin is a string instrument."},
		{ID: "a#1", DocID: "a", Ordinal: 1, Title: "Violins", Text: "Orchestras seat violins at the front."},
		{ID: "b#0", DocID: "b", Title: "Football", Text: "A goal scored in the match."},
	}
	vecs := [][]float32{vec(1, 0, 0), vec(0.9, 0.1, 0), vec(0, 0, 1)}
	// A collection written by an earlier release, with Weaviate's keyword
	// index.
	old := legacyClassName("team-a")
	if err := st.ensureClass(ctx, old, true); err != nil {
		t.Fatal(err)
	}
	if err := st.upsertBatch(ctx, old, ps, vecs); err != nil {
		t.Fatal(err)
	}
	// One passage was written again since, into the new class: its new
	// vector stays.
	st.Keywords = true
	if err := st.EnsureClass(ctx, "team-a"); err != nil {
		t.Fatal(err)
	}
	st.Keywords = false
	if err := st.Upsert(ctx, "team-a", ps[2:], [][]float32{vec(0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	n, err := st.MoveLegacy(ctx, "team-a", []string{"team-a", "other"})
	if err != nil || n != 2 {
		t.Fatalf("moved %d, %v; want the 2 passages the new class lacked", n, err)
	}
	if ok, _ := st.c.Schema().ClassExistenceChecker().WithClassName(old).Do(ctx); ok {
		t.Fatal("the old class is still there")
	}
	hits, err := st.NearVector(ctx, "team-a", vec(1, 0.05, 0), 3)
	if err != nil || len(hits) != 3 || hits[0].PassageID != "a#0" || hits[0].Score < 0.99 {
		t.Fatalf("near vector after the move: %v %+v", err, hits)
	}
	if hits, _ := st.NearVector(ctx, "team-a", vec(0, 1, 0), 1); len(hits) != 1 || hits[0].PassageID != "b#0" || hits[0].Score < 0.99 {
		t.Fatalf("the newer vector was overwritten: %+v", hits)
	}
	if bm, err := st.BM25(ctx, "team-a", "goal", 3); err != nil || len(bm) != 1 {
		t.Fatalf("the moved class lost its keyword index: %v %+v", err, bm)
	}
	if n, err := st.MoveLegacy(ctx, "team-a", nil); err != nil || n != 0 {
		t.Fatalf("a second move: %d, %v", n, err)
	}

	// Two collections that shared the old class: whose a vector is cannot
	// be told, so nothing is copied, and the class goes.
	shared := legacyClassName("x-y")
	if err := st.ensureClass(ctx, shared, false); err != nil {
		t.Fatal(err)
	}
	if err := st.upsertBatch(ctx, shared, ps, vecs); err != nil {
		t.Fatal(err)
	}
	if n, err := st.MoveLegacy(ctx, "x-y", []string{"x-y", "x_y"}); err != nil || n != 0 {
		t.Fatalf("moved %d from a shared class, %v", n, err)
	}
	if ok, _ := st.c.Schema().ClassExistenceChecker().WithClassName(shared).Do(ctx); ok {
		t.Fatal("the shared old class is still there")
	}
	if ids, err := st.IDs(ctx, "x-y"); err != nil || len(ids) != 0 {
		t.Fatalf("copied from a shared class: %v %v", ids, err)
	}

	if err := st.DropClass(ctx, "team-a"); err != nil {
		t.Fatal(err)
	}
	if ids, err := st.IDs(ctx, "team-a"); err != nil || len(ids) != 0 {
		t.Fatalf("after drop: %v %v", ids, err)
	}
	if err := st.DropClass(ctx, "team-a"); err != nil {
		t.Fatal("dropping a missing class:", err)
	}
	// A write that comes after the class is gone fails: Weaviate does not
	// make a class of its own for it.
	if err := st.Upsert(ctx, "team-a", ps[:1], vecs[:1]); err == nil {
		t.Fatal("a write created the deleted class again")
	}
	if ok, _ := st.c.Schema().ClassExistenceChecker().WithClassName(ClassName("team-a")).Do(ctx); ok {
		t.Fatal("the deleted class is back")
	}
}

// A data folder of an earlier release, whose collection's vectors sit in
// the class of the earlier naming, is reconciled without embedding a
// passage again.
func TestUpgradeMovesVectors(t *testing.T) {
	ctx := context.Background()
	_, st := testServer(t)
	store, err := index.OpenStore(filepath.Join(t.TempDir(), "data"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c, err := store.Collection("team-a", true)
	if err != nil {
		t.Fatal(err)
	}
	var ds []corpus.Document
	for i := 0; i < 20; i++ {
		ds = append(ds, corpus.Document{ID: fmt.Sprintf("d%d", i), Title: "Topic", Text: fmt.Sprintf("Passage %d about violins, volcanoes and bread number %d.", i, i*7)})
	}
	in := index.Ingester{Chunker: corpus.Chunker{Words: 50}}
	if err := c.Upsert(ctx, in.Entries(ds)); err != nil {
		t.Fatal(err)
	}
	src := &lsa.Source{Options: lsa.Options{Dim: 8, Seed: 1}}
	first := &index.Synced{Store: store, Vectors: st, Embedders: src}
	if rep, err := first.Reconcile(ctx, c, nil); err != nil || rep.Added != 20 {
		t.Fatalf("first reconcile: %+v %v", rep, err)
	}
	// What an earlier release left: the same vectors under the old name.
	old := legacyClassName("team-a")
	if err := st.ensureClass(ctx, old, true); err != nil { // with Weaviate's keyword index
		t.Fatal(err)
	}
	if n, err := st.copyClass(ctx, ClassName("team-a"), old, nil); err != nil || n != 20 {
		t.Fatalf("copy to the old class: %d %v", n, err)
	}
	if err := st.DropClass(ctx, "team-a"); err != nil {
		t.Fatal(err)
	}
	// A new process reconciles it.
	next := &index.Synced{Store: store, Vectors: st, Embedders: src}
	rep, err := next.Reconcile(ctx, c, nil)
	if err != nil || rep.Added != 0 || rep.Removed != 0 {
		t.Fatalf("reconcile after the upgrade: %+v %v", rep, err)
	}
	if ids, err := st.IDs(ctx, "team-a"); err != nil || len(ids) != 20 {
		t.Fatalf("vectors after the upgrade: %d %v", len(ids), err)
	}
	// The class keeps the keyword index the old one had, though this
	// store makes new classes without it.
	if bm, err := st.BM25(ctx, "team-a", "violins", 3); err != nil || len(bm) == 0 {
		t.Fatalf("keyword search after the upgrade: %v %d", err, len(bm))
	}
}
