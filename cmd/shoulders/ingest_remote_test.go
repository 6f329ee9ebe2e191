package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/index"
)

// notes writes a folder of our own documents: two Markdown files and a
// BEIR file whose record is longer than one passage, which must stay
// whole because BEIR records are retrieval units already.
func notes(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"rota.md":   "# Night rota\n\nThe night shift rotates every fourth week among the three support teams. The pager goes to whoever is on call.\n",
		"garden.md": "# Roof garden\n\nThe roof garden opens at eight. Tomatoes and basil grow along the south wall, watered by the facilities team.\n",
		"corpus.jsonl": fmt.Sprintf(`{"_id": "hb-1", "title": "Handbook", "text": %q}`+"\n",
			strings.Repeat("Expense claims are filed within thirty days of the purchase, with the receipt attached. ", 12)),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// docSummary is a document's ID, passage count and metadata, for
// comparing what two ingests stored.
func docSummary(recs []index.DocRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s %d %v", r.ID, r.Passages, r.Metadata))
	}
	sort.Strings(out)
	return out
}

// Beside a running server, ingest sends the documents to it: the same
// documents and passages as an ingest into a folder of its own, embedded
// by the server. Commands that would open its indexes are refused, and so
// is a second server.
func TestIngestBesideARunningServer(t *testing.T) {
	ls := serveWithVectors(t)
	waitReady(t, ls.addr, ls.log, time.Minute)
	dir := notes(t)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(ls.bin, args...)
		cmd.Env = append(os.Environ(), ls.env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// --addr names no server: the data folder says where its server is.
	args := []string{"ingest", "-q", "-c", "notes", "--metadata", "team=ops", dir}
	out, err := run(append(args, "--data-dir", ls.data, "--addr", freeAddr(t))...)
	if err != nil || !strings.Contains(out, "ingested 3 documents, 3 passages into \"notes\" through the server at http://"+ls.addr) {
		t.Fatalf("ingest beside the server: %v\n%s", err, out)
	}
	local := t.TempDir()
	if out, err := run(append(args, "--data-dir", local, "--addr", freeAddr(t), "--weaviate", "off")...); err != nil || strings.Contains(out, "through the server") {
		t.Fatalf("ingest into a folder of its own: %v\n%s", err, out)
	}
	store, err := index.OpenStore(local, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	col, err := store.Collection("notes", false)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := col.Documents(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Documents []index.DocRecord }
	getJSON(t, "http://"+ls.addr+"/v1/documents?collection=notes", &got)
	if g, w := docSummary(got.Documents), docSummary(want); strings.Join(g, "\n") != strings.Join(w, "\n") || len(w) != 3 {
		t.Fatalf("through the server:\n%s\nlocally:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}

	// The server embeds what it was sent: dense retrieval finds all three.
	waitReady(t, ls.addr, ls.log, time.Minute)
	resp, err := http.Post("http://"+ls.addr+"/v1/search", "application/json",
		strings.NewReader(`{"query": "who carries the pager on the night shift", "retrieval": "dense", "collection": "notes", "k": 10}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Results []struct {
			Passage struct {
				DocID string `json:"doc_id"`
			}
		}
		Degraded []string
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || len(res.Results) != 3 || len(res.Degraded) > 0 {
		t.Fatalf("dense search of the sent notes: %v %+v", err, res)
	}

	if out, err := run("reindex", "--data-dir", ls.data); err == nil || !strings.Contains(out, "a shoulders server runs on this data folder at http://"+ls.addr) {
		t.Fatalf("reindex beside the server: %v\n%s", err, out)
	}
	second := exec.Command(ls.bin, "serve", "--data-dir", ls.data, "--addr", freeAddr(t))
	second.Env = append(os.Environ(), ls.env...)
	if out, err := second.CombinedOutput(); err == nil || !strings.Contains(string(out), "a shoulders server runs on this data folder") {
		t.Fatalf("a second server on the folder: %v\n%s", err, out)
	}
	// The server still answers by vectors.
	if got := denseIDs(t, ls.addr); len(got) == 0 {
		t.Fatal("no dense results after the refused commands")
	}
}

// A server with a small request limit gets the documents in several
// requests within it; a document larger than the limit is reported and
// the rest stored.
func TestIngestThroughServerInBatches(t *testing.T) {
	bin, data, addr := shouldersBin(t), t.TempDir(), freeAddr(t)
	srv, _ := serveDocs(t, bin, data, addr, "SHOULDERS_MAX_BODY=1500", "SHOULDERS_RERANKER=none")
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	dir := t.TempDir()
	for i := range 8 {
		text := fmt.Sprintf("# Meeting %d\n\nRoom %d is booked for the planning meeting of week %d; bring the quarterly figures.\n", i, 100+i, i+1)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("meeting-%d.md", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	big := strings.Repeat("The archive keeps every signed contract for seven years. ", 40)
	if err := os.WriteFile(filepath.Join(dir, "archive.md"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "ingest", "-q", "-c", "meetings", "--server", "http://"+addr, "--data-dir", t.TempDir(), dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ingested 8 documents, 8 passages into \"meetings\" through the server") ||
		!regexp.MustCompile(`archive\.md: document .*archive\.md is larger \(\d+ bytes\) than the server takes in one request \(1500 bytes\)`).Match(out) {
		t.Fatalf("ingest in batches: %v\n%s", err, out)
	}
	var got struct {
		Documents []index.DocRecord
		Total     int
	}
	getJSON(t, "http://"+addr+"/v1/documents?collection=meetings", &got)
	if len(got.Documents) != 8 {
		t.Fatalf("stored %d documents: %+v", len(got.Documents), got)
	}
	// Each request stayed within the limit, so it took several.
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`shoulders_http_requests_total\{method="POST",route="/v1/documents",status="201"\} (\d+)`).FindSubmatch(metrics)
	if m == nil {
		t.Fatalf("no count of document requests in\n%s", metrics)
	}
	if n, _ := strconv.Atoi(string(m[1])); n < 3 {
		t.Fatalf("the documents went in %d requests", n)
	}

	// A server that does not answer is an error, not a local ingest.
	cmd = exec.Command(bin, "ingest", "-q", "--server", "http://"+freeAddr(t), "--data-dir", t.TempDir(), dir)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "does not answer") {
		t.Fatalf("ingest to a server that is not there: %v\n%s", err, out)
	}
}

// A server whose limit the key cannot read (no query scope) refuses
// bodies too large with 413 and limits the rate with 429: the documents
// go in smaller requests and again after the wait, and only the document
// too large alone is reported.
func TestRemoteIngestAdaptsToTheServer(t *testing.T) {
	const limit = 700
	var mu sync.Mutex
	stored := map[string]bool{}
	posts, limited := 0, false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet && r.URL.Path == "/v1/config" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error": {"code": "forbidden_scope", "message": "this API key lacks the query scope"}}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		posts++
		switch {
		case !limited:
			limited = true
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error": {"code": "rate_limited", "message": "too many requests"}}`)
			return
		case len(body) > limit:
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			fmt.Fprintf(w, `{"error": {"code": "body_too_large", "message": "request body is larger than %d bytes"}}`, limit)
			return
		}
		var req api.IngestRequest
		if err := json.Unmarshal(body, &req); err != nil || req.Collection != "minutes" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, d := range req.Documents {
			stored[d.ID] = true
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"collection": "minutes", "documents": %d, "passages": %d}`, len(req.Documents), len(req.Documents))
	}))
	defer srv.Close()

	var lines []string
	for i := range 12 {
		lines = append(lines, fmt.Sprintf(`{"id": "m%d", "title": "Minutes %d", "text": "Item %d was agreed without a vote."}`, i, i, i))
	}
	lines = append(lines, fmt.Sprintf(`{"id": "long", "text": %q}`, strings.Repeat("The budget was read aloud. ", 40)))
	path := filepath.Join(t.TempDir(), "minutes.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	srcs, _, err := index.FileSources([]string{path}, "")
	if err != nil {
		t.Fatal(err)
	}
	r := remoteIngest{base: srv.URL, collection: "minutes"}
	rep, err := r.run(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Documents != 12 || len(stored) != 12 || stored["long"] {
		t.Fatalf("acknowledged %d, stored %v", rep.Documents, stored)
	}
	if rep.Skipped != 1 || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Err, "document long is larger") {
		t.Fatalf("problems: %d %+v", rep.Skipped, rep.Problems)
	}
	if posts < 5 {
		t.Fatalf("%d requests: the batch was not split", posts)
	}
}
