package weaviate

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/internal/testenv"
)

// testServer starts a real weaviate-server for the package's tests.
func testServer(t *testing.T) (*Server, *Store) {
	t.Helper()
	bin := testenv.WeaviateBin(t)
	tmp := t.TempDir()
	srv, err := StartServer(context.Background(), ServerOptions{Binary: bin, DataDir: filepath.Join(tmp, "data"), LogPath: filepath.Join(tmp, "weaviate.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	st, err := Open(srv.URL(), srv.GRPCAddr(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return srv, st
}

func vec(x, y, z float32) []float32 { return []float32{x, y, z} }

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	_, st := testServer(t)
	t.Logf("weaviate ready in %s", time.Since(start))
	st.Keywords = true
	if err := st.EnsureClass(ctx, "my-col"); err != nil {
		t.Fatal(err)
	}
	if err := st.EnsureClass(ctx, "my-col"); err != nil {
		t.Fatal("second EnsureClass:", err)
	}
	ps := []corpus.Passage{
		{ID: "a#0", DocID: "a", Title: "Violins", Text: "The violin is a string instrument."},
		{ID: "a#1", DocID: "a", Ordinal: 1, Title: "Violins", Text: "Orchestras seat violins at the front."},
		{ID: "b#0", DocID: "b", Title: "Football", Text: "A goal scored in the match."},
	}
	if err := st.Upsert(ctx, "my-col", ps, [][]float32{vec(1, 0, 0), vec(0.9, 0.1, 0), vec(0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	hits, err := st.NearVector(ctx, "my-col", vec(1, 0.05, 0), 2)
	if err != nil || len(hits) != 2 || hits[0].PassageID != "a#0" || hits[0].Score < 0.99 {
		t.Fatalf("near vector: %v %+v", err, hits)
	}
	bm, err := st.BM25(ctx, "my-col", "goal match", 5)
	if err != nil || len(bm) != 1 || bm[0].PassageID != "b#0" || bm[0].Score <= 0 {
		t.Fatalf("bm25: %v %+v", err, bm)
	}
	hy, err := st.Hybrid(ctx, "my-col", "violin", vec(1, 0, 0), 0.5, 3)
	if err != nil || len(hy) == 0 || hy[0].PassageID != "a#0" {
		t.Fatalf("hybrid: %v %+v", err, hy)
	}
	// A collection made without Weaviate's keyword index still finds
	// vectors, and says why its keyword search cannot run.
	plain, err := Open(st.URL(), "", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.EnsureClass(ctx, "plain"); err != nil {
		t.Fatal(err)
	}
	if err := plain.Upsert(ctx, "plain", ps, [][]float32{vec(1, 0, 0), vec(0.9, 0.1, 0), vec(0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	if hits, err := plain.NearVector(ctx, "plain", vec(0, 0, 1), 1); err != nil || len(hits) != 1 || hits[0].PassageID != "b#0" {
		t.Fatalf("near vector without keywords: %v %+v", err, hits)
	}
	if _, err := plain.BM25(ctx, "plain", "goal", 5); !errors.Is(err, ErrNoKeywords) {
		t.Fatalf("bm25 without keywords: %v", err)
	}
	if _, err := st.Hybrid(ctx, "plain", "goal", vec(0, 0, 1), 0.5, 5); !errors.Is(err, ErrNoKeywords) {
		t.Fatalf("hybrid without keywords, asked of a store that makes them: %v", err)
	}
	// Re-upserting the same ID overwrites: still three objects.
	if err := st.Upsert(ctx, "my-col", ps[:1], [][]float32{vec(0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	ids, err := st.IDs(ctx, "my-col")
	if err != nil || len(ids) != 3 {
		t.Fatalf("ids after re-upsert: %v %v", err, ids)
	}
	if err := st.Delete(ctx, "my-col", []string{"a#0", "a#1", "missing#0"}); err != nil {
		t.Fatal(err)
	}
	ids, _ = st.IDs(ctx, "my-col")
	if _, ok := ids["b#0"]; len(ids) != 1 || !ok {
		t.Fatalf("ids after delete: %v", ids)
	}
	if ids, err := st.IDs(ctx, "never-created"); err != nil || len(ids) != 0 {
		t.Fatalf("ids of a missing class: %v %v", err, ids)
	}
}

// A second process on the data folder of a running server is refused, and
// the running server is left alone; once it stops, the folder is free.
func TestDataFolderInUse(t *testing.T) {
	srv, st := testServer(t)
	_, err := StartServer(context.Background(), srv.opts)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second server on one folder: %v", err)
	}
	if err := st.Ready(context.Background()); err != nil {
		t.Fatalf("the running server after the refusal: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	again, err := StartServer(context.Background(), srv.opts)
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	again.Stop()
}

// A supervised server that dies on its own (SIGKILL from outside, as the
// OOM killer sends) comes back on the same address with every vector it
// acknowledged searchable, the last batch too, and the store that was
// connected to it works again; once stopped, it stays stopped.
func TestSuperviseRestartsACrashedServer(t *testing.T) {
	ctx := context.Background()
	srv, st := testServer(t)
	var logs bytes.Buffer
	srv.Supervise(slog.New(slog.NewTextHandler(&logs, nil)))
	if err := st.EnsureClass(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	ps := []corpus.Passage{
		{ID: "a#0", DocID: "a", Title: "Violins", Text: "The violin is a string instrument."},
		{ID: "b#0", DocID: "b", Title: "Football", Text: "A goal scored in the match."},
	}
	vecs := [][]float32{vec(1, 0, 0), vec(0, 0, 1)}
	for i := range ps {
		if err := st.Upsert(ctx, "kept", ps[i:i+1], vecs[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	pid := srv.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end) && (srv.PID() == pid || st.Ready(ctx) != nil); {
		time.Sleep(500 * time.Millisecond)
	}
	if srv.PID() == pid || st.Ready(ctx) != nil {
		t.Fatalf("not restarted:\n%s", logs.String())
	}
	for i, v := range vecs {
		hits, err := st.NearVector(ctx, "kept", v, 1)
		if err != nil || len(hits) != 1 || hits[0].PassageID != ps[i].ID {
			t.Fatalf("after the crash, a search for %s: %v %+v", ps[i].ID, err, hits)
		}
	}
	if !strings.Contains(logs.String(), "Weaviate exited; restarting it") || !strings.Contains(logs.String(), "Weaviate restarted") {
		t.Fatalf("the restart is not logged:\n%s", logs.String())
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := st.Ready(ctx); err == nil {
		t.Fatal("a stopped server was started again")
	}
}
