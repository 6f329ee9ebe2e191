package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/internal/testenv"
)

// A liveServer is a shoulders server with its managed Weaviate, serving
// the project's docs, for tests that run the CLI beside it.
type liveServer struct {
	bin, data, addr, log string
	env                  []string
	cmd                  *exec.Cmd
}

func serveWithVectors(t *testing.T) *liveServer {
	t.Helper()
	ls := &liveServer{bin: shouldersBin(t), data: t.TempDir(), addr: freeAddr(t),
		env: []string{"SHOULDERS_WEAVIATE=auto", "SHOULDERS_WEAVIATE_BIN=" + testenv.WeaviateBin(t), "SHOULDERS_RERANKER=none"}}
	ls.cmd, ls.log = serveDocs(t, ls.bin, ls.data, ls.addr, ls.env...)
	t.Cleanup(ls.stop)
	return ls
}

// stop stops the server; a stopped one stays stopped.
func (ls *liveServer) stop() {
	_ = ls.cmd.Process.Signal(syscall.SIGTERM)
	_ = ls.cmd.Wait()
}

// The CLI lists and deletes collections through a running server, and
// without one from the data folder; a deleted collection's vectors go
// with it.
func TestCollectionsCommand(t *testing.T) {
	ls := serveWithVectors(t)
	bin, data, addr, env, logPath := ls.bin, ls.data, ls.addr, ls.env, ls.log
	body := `{"collection": "team-a", "documents": [{"id": "offsite.md", "title": "Offsite", "text": "The quarterly offsite happens in Lisbon every May."},
		{"id": "menu.md", "title": "Menu", "text": "Lunch is served at noon in the atrium, with soup and bread."}]}`
	resp, err := http.Post("http://"+addr+"/v1/documents", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("ingest: %v %v", err, resp)
	}
	resp.Body.Close()
	waitReady(t, addr, logPath, time.Minute)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	out, err := run("collections", "--addr", addr)
	if err != nil || !strings.Contains(out, "default") || !regexp.MustCompile(`(?m)^team-a\s+2\s+2\s`).MatchString(out) {
		t.Fatalf("collections: %v\n%s", err, out)
	}
	// Documents are listed, shown and deleted one by one, vectors too.
	if out, err := run("documents", "-c", "team-a", "--addr", addr); err != nil || !regexp.MustCompile(`(?m)^menu.md\s+Menu\s+1\s`).MatchString(out) || !strings.Contains(out, "offsite.md") {
		t.Fatalf("documents: %v\n%s", err, out)
	}
	if out, err := run("documents", "show", "offsite.md", "-c", "team-a", "--addr", addr); err != nil || !strings.Contains(out, "Lisbon every May") {
		t.Fatalf("documents show: %v\n%s", err, out)
	}
	if out, err := run("documents", "delete", "menu.md", "-c", "team-a", "--addr", addr); err != nil || out != "deleted menu.md: 1 passages\n" {
		t.Fatalf("documents delete: %v\n%s", err, out)
	}
	if out, err := run("search", "--retrieval", "dense", "--json", "-c", "team-a", "--addr", addr, "lunch soup and bread"); err != nil || strings.Contains(out, "menu.md") || !strings.Contains(out, "offsite.md") {
		t.Fatalf("dense search after deleting menu.md: %v\n%s", err, out)
	}
	if out, err := run("documents", "delete", "menu.md", "-c", "team-a", "--addr", addr); err == nil || !strings.Contains(out, `not in collection "team-a": menu.md`) {
		t.Fatalf("second documents delete: %v\n%s", err, out)
	}
	if out, err := run("collections", "delete", "team-a", "--addr", addr); err != nil || out != "deleted team-a: 1 documents, 1 passages\n" {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	var ready struct {
		Checks struct {
			Vectors struct{ Collections map[string]any }
		}
	}
	getJSON(t, "http://"+addr+"/readyz", &ready)
	if _, ok := ready.Checks.Vectors.Collections["team-a"]; ok || len(ready.Checks.Vectors.Collections) == 0 {
		t.Fatalf("vector state after the delete: %+v", ready.Checks.Vectors.Collections)
	}
	if out, err := run("collections", "delete", "team-a", "--addr", addr); err == nil || !strings.Contains(out, "collection_not_found") {
		t.Fatalf("second delete: %v\n%s", err, out)
	}
	if out, err := run("collections", "delete", "Bad!", "--addr", addr); err == nil || !strings.Contains(out, "invalid collection name") {
		t.Fatalf("bad name: %v\n%s", err, out)
	}
	// The collection that is left still answers by vectors.
	if got := denseIDs(t, addr); len(got) == 0 {
		t.Fatal("no dense results after deleting another collection")
	}
	ls.stop()

	// Without a server, the data folder is read and changed here.
	other := freeAddr(t)
	if out, err := run("collections", "--addr", other, "--data-dir", data); err != nil || strings.Contains(out, "team-a") || !strings.Contains(out, "default") {
		t.Fatalf("collections without a server: %v\n%s", err, out)
	}
	out, err = run("documents", "--addr", other, "--data-dir", data)
	formats := regexp.MustCompile(`(?m)^(\S*formats\.md)\s`).FindStringSubmatch(out)
	if err != nil || formats == nil {
		t.Fatalf("documents without a server: %v\n%s", err, out)
	}
	if out, err := run("documents", "delete", formats[1], "--addr", other, "--data-dir", data); err != nil || !regexp.MustCompile(`(?m)^deleted \S*formats.md: [1-9][0-9]* passages$`).MatchString(out) {
		t.Fatalf("documents delete without a server: %v\n%s", err, out)
	}
	if out, err := run("documents", "--addr", other, "--data-dir", data); err != nil || strings.Contains(out, "formats.md") || !strings.Contains(out, "api.md") {
		t.Fatalf("documents after a delete without a server: %v\n%s", err, out)
	}
	if out, err := run("collections", "delete", "default", "--addr", other, "--data-dir", data); err != nil || !regexp.MustCompile(`deleted default: [1-9][0-9]* documents`).MatchString(out) {
		t.Fatalf("delete without a server: %v\n%s", err, out)
	}
	if out, err := run("collections", "delete", "default", "--addr", other, "--data-dir", data); err == nil || !strings.Contains(out, "no such collection") {
		t.Fatalf("second delete without a server: %v\n%s", err, out)
	}
	if out, err := run("collections", "delete", "..", "--addr", other, "--data-dir", data); err == nil || !strings.Contains(out, "invalid collection name") {
		t.Fatalf("a name that is a path: %v\n%s", err, out)
	}
	if _, err := os.Stat(data); err != nil {
		t.Fatal("the data folder is gone:", err)
	}
}
