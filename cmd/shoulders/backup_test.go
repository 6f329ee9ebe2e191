package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/internal/testenv"
)

// A backup taken by the CLI from a running server, restored as another
// server's data folder, answers as the first did, dense retrieval
// included: the vectors left out of the backup are computed again.
func TestBackupRestoresIntoAServer(t *testing.T) {
	bin := shouldersBin(t)
	data, addr := t.TempDir(), freeAddr(t)
	wv := "SHOULDERS_WEAVIATE=auto"
	srv, logPath := serveDocs(t, bin, data, addr, wv, "SHOULDERS_WEAVIATE_BIN="+testenv.WeaviateBin(t), "SHOULDERS_RERANKER=none")
	stop := func(c *exec.Cmd) {
		_ = c.Process.Signal(syscall.SIGTERM)
		_ = c.Wait()
	}
	defer stop(srv)
	if err := os.WriteFile(filepath.Join(data, "feedback.jsonl"), []byte(`{"kind":"answer","helpful":true,"question":"q","answer":"a"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var before struct{ Total int }
	getJSON(t, "http://"+addr+"/v1/documents", &before)
	waitReady(t, addr, logPath, time.Minute)
	want := denseIDs(t, addr)

	out, err := exec.Command(bin, "backup", "--addr", addr, "--data-dir", data).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "wrote ") {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("shoulders backup: %v\n%s\n%s", err, out, log)
	}
	path := strings.TrimPrefix(strings.SplitN(string(out), ":", 2)[0], "wrote ")
	if filepath.Dir(path) != filepath.Join(data, "backups") {
		t.Fatalf("backup written to %s, want under %s/backups", path, data)
	}
	stop(srv)

	// Without a server, the CLI reads the data folder itself.
	if out, err := exec.Command(bin, "backup", "--addr", freeAddr(t), "--data-dir", data, "--backup-dir", t.TempDir()).CombinedOutput(); err != nil {
		t.Fatalf("backup without a server: %v\n%s", err, out)
	}

	// A data folder that is not one is refused, not backed up empty.
	if out, err := exec.Command(bin, "backup", "--addr", freeAddr(t), "--data-dir", filepath.Join(data, "nope")).CombinedOutput(); err == nil || !strings.Contains(string(out), "nothing to back up") {
		t.Fatalf("backup of a missing folder: %v\n%s", err, out)
	}

	restored, addr2 := t.TempDir(), freeAddr(t)
	if out, err := exec.Command("cp", "-a", path+"/.", restored).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if f, _ := os.ReadFile(filepath.Join(restored, "feedback.jsonl")); !strings.Contains(string(f), `"helpful":true`) {
		t.Fatal("the feedback log is not in the backup")
	}
	srv2, log2 := serveDocs(t, bin, restored, addr2, wv, "SHOULDERS_WEAVIATE_BIN="+testenv.WeaviateBin(t), "SHOULDERS_RERANKER=none")
	defer stop(srv2)
	var after struct{ Total int }
	getJSON(t, "http://"+addr2+"/v1/documents", &after)
	if before.Total == 0 || after.Total != before.Total {
		t.Fatalf("restored server holds %d documents, the first %d", after.Total, before.Total)
	}
	waitReady(t, addr2, log2, time.Minute) // the vectors are computed again first
	if got := denseIDs(t, addr2); strings.Join(got, " ") != strings.Join(want, " ") {
		log, _ := os.ReadFile(log2)
		t.Fatalf("dense search on the restored server: %v, on the first %v\n%s", got, want, log)
	}
}

// denseIDs are the passages dense retrieval finds first for a question.
func denseIDs(t *testing.T, addr string) []string {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/v1/search", "application/json", strings.NewReader(`{"query": "How do I configure the LM?", "retrieval": "dense", "k": 5}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Results []struct {
			Passage struct{ ID string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("dense search: %s %v", resp.Status, err)
	}
	var ids []string
	for _, r := range res.Results {
		ids = append(ids, r.Passage.ID)
	}
	if len(ids) == 0 {
		t.Fatalf("dense search at %s found nothing", addr)
	}
	return ids
}
