package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM lets a request in flight finish before the server exits.
func TestGracefulShutdownFinishesRequests(t *testing.T) {
	bin := shouldersBin(t)
	data := t.TempDir()
	lmAddr, addr := freeAddr(t), freeAddr(t)
	lm := exec.Command(bin, "testlm", "--addr", lmAddr, "--delay", "1500ms")
	if err := lm.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lm.Process.Kill(); _ = lm.Wait() }()
	srv, logPath := serveDocs(t, bin, data, addr,
		"SHOULDERS_LM_URL=http://"+lmAddr, "SHOULDERS_LM_MODEL=test-model", "SHOULDERS_RERANKER=none")
	type result struct {
		status int
		err    error
	}
	got := make(chan result, 1)
	start := time.Now()
	go func() {
		resp, err := http.Post("http://"+addr+"/v1/ask", "application/json", strings.NewReader(`{"question": "How do I configure the LM?"}`))
		if err != nil {
			got <- result{0, err}
			return
		}
		resp.Body.Close()
		got <- result{resp.StatusCode, nil}
	}()
	time.Sleep(300 * time.Millisecond) // the request is waiting on the LM
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil || r.status != http.StatusOK {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("request in flight during shutdown: %d %v\n%s", r.status, r.err, log)
	}
	if time.Since(start) < 1500*time.Millisecond {
		t.Fatal("the answer came back before the LM's delay: the request did not wait for it")
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("server exit after SIGTERM: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("the server still answers after shutting down")
	}
}

// serveDocs starts the binary serving the project's docs from data on
// addr, without Weaviate, and waits until it answers; env adds settings.
// Its output goes to the returned log file.
func serveDocs(t *testing.T, bin, data, addr string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	logPath := filepath.Join(data, "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	srv := exec.Command(bin, "serve", "--seed", "../../docs")
	srv.Env = append(append(os.Environ(), "SHOULDERS_DATA_DIR="+data, "SHOULDERS_ADDR="+addr, "SHOULDERS_WEAVIATE=off"), env...)
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := waitHealthy("http://"+addr, logPath); err != nil {
		_ = srv.Process.Kill()
		_ = srv.Wait()
		t.Fatal(err)
	}
	return srv, logPath
}
