package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/internal/testenv"
	"github.com/shoulders-qa/shoulders/retriever"
)

// SIGHUP swaps in a retrained re-ranker while the server runs; a file
// that does not load leaves the running model in place.
func TestSIGHUPReloadsTheReranker(t *testing.T) {
	bin := shouldersBin(t)
	data := t.TempDir()
	addr := freeAddr(t)
	model := filepath.Join(data, "reranker.json")
	install := func(b []byte) {
		t.Helper()
		// Written whole and renamed, as a training run should replace it.
		tmp := model + ".tmp"
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, model); err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(testenv.Root(t), "models", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	install(read("reranker.json"))

	srv, logPath := serveDocs(t, bin, data, addr, "SHOULDERS_RERANKER="+model, "SHOULDERS_LOG_LEVEL=info")
	defer func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait() }()

	// scores are the re-ranker's scores of the first five results.
	scores := func() []float64 {
		t.Helper()
		resp, err := http.Post("http://"+addr+"/v1/search", "application/json",
			strings.NewReader(`{"query": "How do I configure the LM?", "k": 20}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Results  []retriever.Candidate `json:"results"`
			Reranked bool                  `json:"reranked"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.Reranked || len(body.Results) < 5 {
			t.Fatalf("search: %v, reranked %v, %d results", err, body.Reranked, len(body.Results))
		}
		var out []float64
		for _, c := range body.Results[:5] {
			for _, s := range c.Sources {
				if s.Retriever == "rerank" {
					out = append(out, s.Score)
				}
			}
		}
		return out
	}
	// hup signals the server and waits for its log to say what it did.
	hup := func(want string) {
		t.Helper()
		before, _ := os.ReadFile(logPath)
		if err := srv.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			after, _ := os.ReadFile(logPath)
			if strings.Contains(string(after[len(before):]), want) {
				return
			}
		}
		log, _ := os.ReadFile(logPath)
		t.Fatalf("no %q in the log after SIGHUP:\n%s", want, log)
	}

	first := scores()
	install([]byte(`{"format_version": 1, "features": [`)) // a broken file
	hup("re-ranker not reloaded")
	if kept := scores(); !equalScores(kept, first) {
		t.Fatalf("a broken file changed the scores: %v, then %v", first, kept)
	}
	install(read("reranker-neural.json"))
	hup("re-ranker reloaded")
	if swapped := scores(); equalScores(swapped, first) {
		t.Fatalf("the reloaded model scores as the first did: %v", swapped)
	}
}

func equalScores(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A server reads WordNet as it starts, when its model uses it: a missing
// WordNet is reported then, before any question.
func TestServerReportsMissingWordNetAtStart(t *testing.T) {
	bin := shouldersBin(t)
	data := t.TempDir()
	model := filepath.Join(testenv.Root(t), "models", "reranker.json")
	srv, logPath := serveDocs(t, bin, data, freeAddr(t), "SHOULDERS_RERANKER="+model, "SHOULDERS_WORDNET="+t.TempDir())
	defer func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait() }()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if b, _ := os.ReadFile(logPath); strings.Contains(string(b), "install Debian's wordnet-base") {
			return
		}
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("no warning of the missing WordNet before any question:\n%s", b)
}
