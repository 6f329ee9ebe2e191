package index_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/index/lsa"
	"github.com/shoulders-qa/shoulders/index/weaviate"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"github.com/shoulders-qa/shoulders/retriever"
)

type rig struct {
	srv    *weaviate.Server
	vs     *weaviate.Store
	store  *index.Store
	synced *index.Synced
	lsa    *lsa.Source
}

func newRig(t *testing.T) *rig {
	t.Helper()
	tmp := t.TempDir()
	srv, err := weaviate.StartServer(context.Background(), weaviate.ServerOptions{Binary: testenv.WeaviateBin(t),
		DataDir: filepath.Join(tmp, "weaviate"), LogPath: filepath.Join(tmp, "weaviate.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	vs, _ := weaviate.Open(srv.URL(), srv.GRPCAddr(), 3*time.Second)
	store, err := index.OpenStore(filepath.Join(tmp, "data"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	src := &lsa.Source{Options: lsa.Options{Dim: 16, Seed: 1}}
	return &rig{srv: srv, vs: vs, store: store, synced: &index.Synced{Store: store, Vectors: vs, Embedders: src}, lsa: src}
}

// docs makes n documents of a few passages each about numbered topics.
func docs(prefix string, n int) []corpus.Document {
	topics := []string{"violin orchestra concert music symphony", "football goal striker match stadium",
		"volcano lava eruption magma crater", "bread flour yeast oven baking"}
	var out []corpus.Document
	for i := 0; i < n; i++ {
		var b strings.Builder
		for s := 0; s < 3; s++ {
			fmt.Fprintf(&b, "Sentence %d of %s %d tells of %s. ", s, prefix, i, topics[(i+s)%len(topics)])
		}
		out = append(out, corpus.Document{ID: fmt.Sprintf("%s-%d", prefix, i), Title: fmt.Sprintf("%s %d", prefix, i), Text: b.String()})
	}
	return out
}

func (r *rig) ingest(t *testing.T, c *index.Collection, ds []corpus.Document) {
	t.Helper()
	in := index.Ingester{Chunker: corpus.Chunker{Words: 12}}
	if err := r.synced.Writer(c).Upsert(context.Background(), in.Entries(ds)); err != nil {
		t.Fatal(err)
	}
}

// same asserts that both indexes hold exactly the same passage IDs.
func (r *rig) same(t *testing.T, c *index.Collection) int {
	t.Helper()
	ctx := context.Background()
	a, err := c.PassageIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.vs.IDs(ctx, c.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("bleve has %d passages, weaviate %d", len(a), len(b))
	}
	for id := range a {
		if _, ok := b[id]; !ok {
			t.Fatalf("%s is in bleve, not in weaviate", id)
		}
	}
	return len(a)
}

func TestSyncedKeepsBothIndexesIdentical(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("sync", true)
	// First ingest: the embedder is fitted by reconciliation.
	r.ingest(t, c, docs("doc", 40))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	n := r.same(t, c)
	// Later writes go to both at once.
	r.ingest(t, c, docs("more", 10))
	if st := r.synced.Status()["sync"]; !st.InSync {
		t.Fatalf("after an inline write: %+v", st)
	}
	if m := r.same(t, c); m <= n {
		t.Fatalf("%d passages after adding documents, had %d", m, n)
	}
	// Re-ingest with shorter documents drops their tail passages in both.
	short := docs("doc", 40)
	for i := range short {
		short[i].Text = "Volcano lava only."
	}
	r.ingest(t, c, short)
	m := r.same(t, c)
	// Deletes reach both.
	if _, err := r.synced.Delete(ctx, c, "doc-0"); err != nil {
		t.Fatal(err)
	}
	if r.same(t, c) != m-1 {
		t.Fatal("delete did not remove exactly one passage from both")
	}
	// Dense search finds by meaning: no word of the query is in the passage title.
	dense := retriever.Dense{Store: r.store, Vectors: r.vs, Embedders: r.lsa}
	got, err := dense.Retrieve(ctx, retriever.Query{Collection: "sync", Text: "symphony concert", K: 5})
	if err != nil || len(got) == 0 || !strings.Contains(got[0].Passage.Text, "symphony") {
		t.Fatalf("dense: %v %+v", err, got)
	}
}

func TestKillWeaviateDuringIngestAndSearch(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("crash", true)
	r.ingest(t, c, docs("doc", 30))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	before := r.same(t, c)

	if err := r.srv.Kill(); err != nil {
		t.Fatal(err)
	}
	// An ingest while Weaviate is down is acknowledged by Bleve and
	// reported as pending for the vector index.
	r.ingest(t, c, docs("late", 10))
	st := r.synced.Status()["crash"]
	if st.InSync || st.Pending == 0 || st.LastError == "" {
		t.Fatalf("status while down: %+v", st)
	}
	all, _ := c.PassageIDs(ctx)
	if len(all) <= before {
		t.Fatal("the ingest during the outage was lost")
	}
	// A hybrid search answers from BM25 and says so; it does not hang.
	bm25 := retriever.BM25{Store: r.store}
	dense := retriever.Dense{Store: r.store, Vectors: r.vs, Embedders: r.lsa}
	hy := retriever.Hybrid{Keyword: bm25, Dense: dense, DenseTimeout: time.Second}
	start := time.Now()
	cands, err := hy.Retrieve(ctx, retriever.Query{Collection: "crash", Text: "volcano lava", K: 10})
	var deg *retriever.Degraded
	if !errors.As(err, &deg) || len(cands) == 0 || time.Since(start) > 3*time.Second {
		t.Fatalf("search while down: %v, %d candidates after %s", err, len(cands), time.Since(start))
	}
	if _, err := r.synced.Reconcile(ctx, c, nil); err == nil {
		t.Fatal("reconcile with Weaviate down must fail")
	}

	// After a restart, reconciliation restores equality.
	if err := r.srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := r.synced.Reconcile(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.same(t, c); n != len(all) || rep.Added == 0 {
		t.Fatalf("after restart: %d passages in step (want %d), %d added", n, len(all), rep.Added)
	}
	if st := r.synced.Status()["crash"]; !st.InSync || st.Pending != 0 {
		t.Fatalf("status after reconcile: %+v", st)
	}
	// Extra vectors (a passage deleted while Weaviate was down) are removed too.
	if err := r.srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.synced.Delete(ctx, c, "late-1"); err != nil {
		t.Fatal(err)
	}
	_ = r.srv.Restart(ctx)
	if rep, err := r.synced.Reconcile(ctx, c, nil); err != nil || rep.Removed == 0 {
		t.Fatalf("reconcile after delete: %+v %v", rep, err)
	}
	r.same(t, c)
}

func TestEmbedderPersistsAndMismatchIsAnError(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, _ := index.OpenStore(dir, index.Options{})
	defer store.Close()
	c, _ := store.Collection("emb", true)
	in := index.Ingester{Chunker: corpus.Chunker{Words: 12}}
	_ = c.Upsert(ctx, in.Entries(docs("doc", 20)))

	first := &lsa.Source{Options: lsa.Options{Dim: 8, Seed: 1}}
	if _, err := first.Embedder(ctx, c, false); !errors.Is(err, index.ErrNoEmbedder) {
		t.Fatalf("unfitted: %v", err)
	}
	e1, err := first.Embedder(ctx, c, true)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := e1.Embed(ctx, []string{"lava crater"})
	// A fresh source (a restarted server) loads the saved model.
	e2, err := (&lsa.Source{Options: lsa.Options{Dim: 8, Seed: 1}}).Embedder(ctx, c, false)
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := e2.Embed(ctx, []string{"lava crater"})
	for i := range v1[0] {
		if v1[0][i] != v2[0][i] {
			t.Fatal("the reloaded model embeds differently")
		}
	}
	if err := c.CheckEmbedder(otherEmbedder{}); err == nil || !strings.Contains(err.Error(), "builtin-lsa") {
		t.Fatalf("dimension mismatch: %v", err)
	}
	// A dropped and rebuilt collection does not inherit the cached model.
	src := &lsa.Source{Options: lsa.Options{Dim: 8, Seed: 1}}
	if _, err := src.Embedder(ctx, c, true); err != nil {
		t.Fatal(err)
	}
	if err := store.Drop("emb", nil); err != nil {
		t.Fatal(err)
	}
	c, _ = store.Collection("emb", true)
	_ = c.Upsert(ctx, in.Entries(docs("other", 5)))
	if _, err := src.Embedder(ctx, c, false); !errors.Is(err, index.ErrNoEmbedder) {
		t.Fatalf("after drop: %v, want ErrNoEmbedder", err)
	}
}

type otherEmbedder struct{}

func (otherEmbedder) Name() string { return "openai:text-embedding-3-small" }
func (otherEmbedder) Dim() int     { return 1536 }
func (otherEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, nil
}

// A seed's writes and deletes reach the vector index too.
func TestSeedKeepsBothIndexesIdentical(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("seed", true)
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range docs("page", 30) {
		write(fmt.Sprintf("page-%02d.txt", i), d.Text)
	}
	in := &index.Ingester{Chunker: corpus.Chunker{Words: 12}}
	seed := func() index.SeedReport {
		srcs, _, err := index.FileSources([]string{dir}, "")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := r.synced.Seeder(c, in).Seed(ctx, srcs)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	seed()
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	n := r.same(t, c)
	// One page shrinks to a passage, one is gone.
	write("page-00.txt", "Volcano lava only.")
	if err := os.Remove(filepath.Join(dir, "page-01.txt")); err != nil {
		t.Fatal(err)
	}
	if rep := seed(); rep.Updated != 1 || rep.Removed != 1 || rep.Unchanged != 28 {
		t.Fatalf("second seed: %+v", rep)
	}
	if m := r.same(t, c); m >= n-3 {
		t.Fatalf("%d passages in both after the seed, had %d", m, n)
	}
}

// Dense retrieval within some documents: Weaviate searches among their
// passages only, so every candidate is theirs and none is missing.
func TestDenseWithinDocuments(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("within", true)
	r.ingest(t, c, docs("doc", 40))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	dense := retriever.Dense{Store: r.store, Vectors: r.vs, Embedders: r.lsa}
	f := index.Filter{Docs: []string{"doc-3", "doc-1*"}} // doc-3, doc-1 and doc-10 to doc-19
	ids, err := c.FilteredPassageIDs(ctx, f, 1000)
	if err != nil || len(ids) < 12 {
		t.Fatalf("%v: %d passages", err, len(ids))
	}
	for _, k := range []int{5, 1000} {
		got, err := dense.Retrieve(ctx, retriever.Query{Collection: "within", Text: "volcano lava eruption", K: k, Filter: f})
		if err != nil || len(got) != min(k, len(ids)) {
			t.Fatalf("k=%d: %v, %d candidates of %d passages", k, err, len(got), len(ids))
		}
		for _, cand := range got {
			if d := cand.Passage.DocID; d != "doc-3" && !strings.HasPrefix(d, "doc-1") {
				t.Fatalf("k=%d: %s is not in the filter", k, cand.Passage.ID)
			}
		}
		if k == 5 && !strings.Contains(got[0].Passage.Text, "volcano") {
			t.Errorf("the nearest passage is not about volcanoes: %q", got[0].Passage.Text)
		}
	}
	// The same question unfiltered ranks other documents too.
	all, err := dense.Retrieve(ctx, retriever.Query{Collection: "within", Text: "volcano lava eruption", K: 20})
	if err != nil {
		t.Fatal(err)
	}
	outside := 0
	for _, cand := range all {
		if d := cand.Passage.DocID; d != "doc-3" && !strings.HasPrefix(d, "doc-1") {
			outside++
		}
	}
	if outside == 0 {
		t.Fatal("the unfiltered list holds only the filter's documents: the test shows nothing")
	}
}

// Collections whose names differ only by '-' and '_' keep vectors apart,
// even under the same document IDs; deleting one takes its vectors and
// leaves the other's; with the vector server down nothing is deleted.
func TestDropDeletesBothCopies(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	hy, _ := r.store.Collection("team-a", true)
	un, _ := r.store.Collection("team_a", true)
	r.ingest(t, hy, docs("doc", 12))
	r.ingest(t, un, docs("doc", 5))
	for _, c := range []*index.Collection{hy, un} {
		if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Reconciling each again changes nothing: neither deletes the
	// other's passages as extras.
	for _, c := range []*index.Collection{hy, un, hy} {
		if rep, err := r.synced.Reconcile(ctx, c, nil); err != nil || rep.Added+rep.Removed != 0 {
			t.Fatalf("%s reconciled again: %+v %v", c.Name, rep, err)
		}
	}
	nUn := r.same(t, un)
	if nHy := r.same(t, hy); nHy <= nUn {
		t.Fatalf("team-a has %d passages, team_a %d", nHy, nUn)
	}

	if err := r.synced.Drop(ctx, "team-a"); err != nil {
		t.Fatal(err)
	}
	if ids, err := r.vs.IDs(ctx, "team-a"); err != nil || len(ids) != 0 {
		t.Fatalf("vectors left after the drop: %d %v", len(ids), err)
	}
	if _, ok := r.synced.Status()["team-a"]; ok {
		t.Fatal("the dropped collection is still reported")
	}
	// A background pass that listed the collection before the drop, and
	// reaches it after, learns that it is gone and leaves no vectors; it
	// reads the closed index without a panic (which would only be logged).
	var logged bytes.Buffer
	r.synced.Log = slog.New(slog.NewTextHandler(&logged, nil))
	if _, err := r.synced.Reconcile(ctx, hy, nil); !errors.Is(err, index.ErrNoCollection) {
		t.Fatalf("reconciling a dropped collection: %v", err)
	}
	if strings.Contains(logged.String(), "panic") {
		t.Fatalf("reconciling a dropped collection panicked:\n%s", logged.String())
	}
	r.synced.Log = nil
	if ids, err := r.vs.IDs(ctx, "team-a"); err != nil || len(ids) != 0 {
		t.Fatalf("vectors after reconciling a dropped collection: %d %v", len(ids), err)
	}
	if names, _ := r.store.Collections(); len(names) != 1 || names[0] != "team_a" {
		t.Fatalf("collections: %v", names)
	}
	if r.same(t, un) != nUn {
		t.Fatal("the other collection lost vectors")
	}
	dense := retriever.Dense{Store: r.store, Vectors: r.vs, Embedders: r.lsa}
	if got, err := dense.Retrieve(ctx, retriever.Query{Collection: "team_a", Text: "symphony concert", K: 5}); err != nil || len(got) == 0 {
		t.Fatalf("dense in the other collection: %v %d", err, len(got))
	}

	if err := r.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := r.synced.Drop(ctx, "team_a"); !errors.Is(err, index.ErrVectorsUnavailable) {
		t.Fatalf("drop with the vector server down: %v", err)
	}
	if ids, err := un.PassageIDs(ctx); err != nil || len(ids) != nUn {
		t.Fatalf("after a refused drop: %d passages, %v", len(ids), err)
	}
}

// A collection that starts with one short document and grows: it is in
// step without vectors until a second passage lets an embedder be learned,
// and once it holds twice the passages that embedder was learned from, the
// embedder is learned again and every vector computed anew.
func TestEmbedderLearnedAgainAsTheCollectionGrows(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("grow", true)
	r.ingest(t, c, []corpus.Document{{ID: "first", Title: "First", Text: "A short note on violins."}})
	if rep, err := r.synced.Reconcile(ctx, c, nil); err != nil || rep.Added != 0 {
		t.Fatalf("one passage: %+v %v", rep, err)
	}
	if st := r.synced.Status()["grow"]; !st.InSync || st.Note == "" {
		t.Fatalf("state of a one-passage collection: %+v", st)
	}

	r.ingest(t, c, docs("doc", 10))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	first := r.same(t, c)
	emb, err := r.lsa.Embedder(ctx, c, false)
	if err != nil {
		t.Fatal(err)
	}

	// Writes that outgrow the embedder leave the vectors to reconciliation.
	r.ingest(t, c, docs("more", 2*first/3))
	if st := r.synced.Status()["grow"]; st.InSync {
		t.Fatalf("after outgrowing the embedder: %+v", st)
	}
	// Most vectors are missing: a vector search says so rather than
	// answer from a part of the collection.
	dense := retriever.Dense{Store: r.store, Vectors: r.vs, Embedders: r.lsa, Behind: r.synced.Behind}
	if _, err := dense.Retrieve(ctx, retriever.Query{Collection: "grow", Text: "lava eruption", K: 3}); !errors.Is(err, retriever.ErrVectorsBehind) {
		t.Fatalf("dense while the vectors are behind: %v", err)
	}
	rep, err := r.synced.Reconcile(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := r.same(t, c)
	if n < 2*first || rep.Added != n {
		t.Fatalf("%d passages, had %d; reconciliation added %d, want all", n, first, rep.Added)
	}
	again, err := r.lsa.Embedder(ctx, c, false)
	if err != nil || again == emb {
		t.Fatalf("the embedder was not learned again: %v", err)
	}
	if stale, err := r.lsa.Stale(ctx, c); err != nil || stale {
		t.Fatalf("stale after the refit: %v %v", stale, err)
	}
	got, err := dense.Retrieve(ctx, retriever.Query{Collection: "grow", Text: "lava eruption", K: 3})
	if err != nil || len(got) == 0 || !strings.Contains(got[0].Passage.Text, "lava") {
		t.Fatalf("dense after the refit: %v %+v", err, got)
	}
}

// A collection deleted from Bleve alone (say, with the vector server off)
// and made again under its name does not inherit the vectors it left:
// they were of another model, kept for every passage ID the two share.
func TestVectorsOfAnEarlierCollectionAreNotInherited(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("twice", true)
	r.ingest(t, c, docs("doc", 20))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	first := r.same(t, c)
	if err := r.store.Drop("twice", nil); err != nil {
		t.Fatal(err)
	}
	c, _ = r.store.Collection("twice", true)
	again := docs("doc", 20)
	for i := range again {
		again[i].Text = "Lava and magma. " + again[i].Text
	}
	r.ingest(t, c, again)
	rep, err := r.synced.Reconcile(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.same(t, c); n != first || rep.Added != n {
		t.Fatalf("%d passages, %d embedded again", n, rep.Added)
	}
	// A second pass finds the class its own.
	if rep, err := r.synced.Reconcile(ctx, c, nil); err != nil || rep.Added+rep.Removed != 0 {
		t.Fatalf("second pass: %+v %v", rep, err)
	}
}

// panickyEmbedders panics for the collection named worse, and gives the
// one named bad an embedder that panics, as bugs in either would.
type panickyEmbedders struct{ *lsa.Source }

func (p panickyEmbedders) Embedder(ctx context.Context, c *index.Collection, fit bool) (index.Embedder, error) {
	if c.Name == "worse" {
		panic("embedder source bug")
	}
	e, err := p.Source.Embedder(ctx, c, fit)
	if err != nil || c.Name != "bad" {
		return e, err
	}
	return panicky{e}, nil
}

type panicky struct{ index.Embedder }

func (panicky) Embed(context.Context, []string) ([][]float32, error) { panic("embedder bug") }

// A panic while making one collection's vectors, in a write, in a pass or
// in its embedding goroutine, fails that collection's vector work, which
// is reported and retried, and leaves the process, the write and the
// other collections alone.
func TestReconcileSurvivesAPanic(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.synced.Embedders = panickyEmbedders{r.lsa}
	bad, _ := r.store.Collection("bad", true)
	good, _ := r.store.Collection("good", true)
	r.ingest(t, bad, docs("doc", 6))
	r.ingest(t, good, docs("doc", 6))
	if _, err := r.synced.Reconcile(ctx, bad, nil); err == nil || !strings.Contains(err.Error(), "embedder bug") {
		t.Fatalf("reconciling with a panicking embedder: %v", err)
	}
	if st := r.synced.Status()["bad"]; st.InSync || !strings.Contains(st.LastError, "embedder bug") {
		t.Fatalf("state after the panic: %+v", st)
	}
	// A write whose vector half panics is kept, and left to reconciliation.
	worse, _ := r.store.Collection("worse", true)
	r.ingest(t, worse, docs("doc", 6))
	if hits, err := worse.Search(ctx, "volcano", 3); err != nil || len(hits) == 0 {
		t.Fatalf("a write whose vectors panicked: %d hits, %v", len(hits), err)
	}
	if _, err := r.synced.Reconcile(ctx, worse, nil); err == nil || !strings.Contains(err.Error(), "embedder source bug") {
		t.Fatalf("reconciling with a panicking embedder source: %v", err)
	}
	if err := r.synced.ReconcileAll(ctx); err == nil {
		t.Fatal("a pass over every collection hid the failure")
	}
	if st := r.synced.Status()["good"]; !st.InSync {
		t.Fatalf("the other collection: %+v", st)
	}
	if n := r.same(t, good); n == 0 {
		t.Fatal("the other collection has no vectors")
	}
	// Nothing is left locked: a drop, which takes the vector lock, goes through.
	if err := r.synced.Drop(ctx, "bad"); err != nil {
		t.Fatal(err)
	}
}

// heldStore holds the first vector write it is given until a second one
// has been written (or half a second passes): the order two writes of one
// document would reach Weaviate if nothing kept them in Bleve's order.
type heldStore struct {
	index.VectorStore
	n       atomic.Int32
	held    chan struct{} // closed when the first write is held
	written chan struct{} // closed when a second write is done
}

func (h *heldStore) Upsert(ctx context.Context, col string, ps []corpus.Passage, vecs [][]float32) error {
	if h.n.Add(1) == 1 {
		close(h.held)
		select {
		case <-h.written:
		case <-time.After(500 * time.Millisecond):
		}
		return h.VectorStore.Upsert(ctx, col, ps, vecs)
	}
	err := h.VectorStore.Upsert(ctx, col, ps, vecs)
	close(h.written)
	return err
}

// Two writes of one document, the first shortening it and the second
// lengthening it again, leave the vector copy what Bleve holds: the
// copies land in the order Bleve took the writes, so the first one's
// removal of passages cannot come after the second one's adding them back.
func TestRewritesReachVectorsInOrder(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("rewrites", true)
	long := docs("x", 1)[0] // three passages of 12 words
	long.ID = "x"
	r.ingest(t, c, append(docs("doc", 40), long))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	h := &heldStore{VectorStore: r.vs, held: make(chan struct{}), written: make(chan struct{})}
	s := &index.Synced{Store: r.store, Vectors: h, Embedders: r.lsa}
	in := index.Ingester{Chunker: corpus.Chunker{Words: 12}}
	short := corpus.Document{ID: "x", Title: "x", Text: "One short sentence of violins."}
	first := make(chan error, 1)
	go func() { first <- s.Writer(c).Upsert(ctx, in.Entries([]corpus.Document{short})) }()
	<-h.held
	if err := s.Writer(c).Upsert(ctx, in.Entries([]corpus.Document{long})); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if rec, _ := c.Record("x"); rec.Passages != 3 {
		t.Fatalf("bleve holds %d passages of x, want 3", rec.Passages)
	}
	r.same(t, c)
}

// A document rewritten while Weaviate is down keeps its passage IDs, which
// is all reconciliation compares; it gets the vectors of its new text all
// the same, even when the server restarted before reconciling.
func TestRewriteDuringOutageGetsNewVectors(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("outage", true)
	x := corpus.Document{ID: "x", Title: "x", Text: "The violin concert filled the orchestra hall."}
	r.ingest(t, c, append(docs("doc", 40), x))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	if got := weaviateText(t, r, c, "x#0"); got != x.Text {
		t.Fatalf("before: %q", got)
	}
	if err := r.srv.Kill(); err != nil {
		t.Fatal(err)
	}
	x.Text = "The volcano poured lava over the crater rim."
	r.ingest(t, c, []corpus.Document{x})
	// A restarted server: nothing of the outage is in memory.
	s := &index.Synced{Store: r.store, Vectors: r.vs, Embedders: r.lsa}
	if err := r.srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.Reconcile(ctx, c, nil); err != nil || rep.Added != 1 {
		t.Fatalf("reconcile: %+v %v", rep, err)
	}
	if got := weaviateText(t, r, c, "x#0"); got != x.Text {
		t.Fatalf("after the outage, weaviate holds %q, bleve %q", got, x.Text)
	}
	if rep, err := s.Reconcile(ctx, c, nil); err != nil || rep.Added != 0 {
		t.Fatalf("a second pass: %+v %v", rep, err)
	}
	r.same(t, c)
}

// weaviateText is the text Weaviate keeps with a passage's vector.
func weaviateText(t *testing.T, r *rig, c *index.Collection, id string) string {
	t.Helper()
	resp, err := http.Get(r.vs.URL() + "/v1/objects/" + weaviate.ClassName(c.Name) + "/" + weaviate.ObjectID(id).String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var obj struct{ Properties struct{ Text string } }
	if err := json.NewDecoder(resp.Body).Decode(&obj); err != nil {
		t.Fatal(err)
	}
	return obj.Properties.Text
}

// hungStore never writes: its Upsert waits until the caller gives up, as
// a process killed between Bleve's commit and the vector copy would.
type hungStore struct {
	index.VectorStore
	entered chan struct{}
}

func (h *hungStore) Upsert(ctx context.Context, _ string, _ []corpus.Passage, _ [][]float32) error {
	close(h.entered)
	<-ctx.Done()
	return ctx.Err()
}

// A rewrite whose vector copy never happened (the process died after
// Bleve's commit) gets the vectors of its new text at the next
// reconciliation, and a rewrite whose copy was written leaves nothing to
// redo.
func TestRewriteCutBeforeItsVectorsIsRedone(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	c, _ := r.store.Collection("cut", true)
	x := corpus.Document{ID: "x", Title: "x", Text: "The violin concert filled the orchestra hall."}
	r.ingest(t, c, append(docs("doc", 40), x))
	if _, err := r.synced.Reconcile(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	// A rewrite that goes through: nothing for reconciliation to do.
	r.ingest(t, c, docs("doc", 2))
	if rep, err := r.synced.Reconcile(ctx, c, nil); err != nil || rep.Added != 0 {
		t.Fatalf("after a whole rewrite: %+v %v", rep, err)
	}

	h := &hungStore{VectorStore: r.vs, entered: make(chan struct{})}
	dying := &index.Synced{Store: r.store, Vectors: h, Embedders: r.lsa}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	x.Text = "The volcano poured lava over the crater rim."
	go func() {
		defer close(done)
		_ = dying.Writer(c).Upsert(wctx, (&index.Ingester{Chunker: corpus.Chunker{Words: 12}}).Entries([]corpus.Document{x}))
	}()
	<-h.entered // Bleve holds the new text; the vector copy never comes
	s := &index.Synced{Store: r.store, Vectors: r.vs, Embedders: r.lsa}
	if rep, err := s.Reconcile(ctx, c, nil); err != nil || rep.Added != 1 {
		t.Fatalf("reconcile after the cut: %+v %v", rep, err)
	}
	if got := weaviateText(t, r, c, "x#0"); got != x.Text {
		t.Fatalf("weaviate holds %q, bleve %q", got, x.Text)
	}
	cancel()
	<-done
}
