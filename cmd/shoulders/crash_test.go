package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/internal/testenv"
)

// The server is killed with SIGKILL at random moments while a client
// ingests 20,000 passages in batches, five times. Every batch the server
// acknowledged must be there after the last restart, exactly once, and
// the vector index must be reconciled with Bleve.
func TestAcknowledgedIngestsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: starts the server and Weaviate several times")
	}
	const batches, perBatch, kills = 200, 100, 5
	docs := sciFactSentences(t, batches*perBatch)
	bin := shouldersBin(t)
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	env := append(os.Environ(), "SHOULDERS_DATA_DIR="+data, "SHOULDERS_ADDR="+addr, "SHOULDERS_AUTH=off",
		"SHOULDERS_LOG_LEVEL=warn", "SHOULDERS_RERANKER=none", "SHOULDERS_WEAVIATE_BIN="+testenv.WeaviateBin(t))
	logPath := filepath.Join(data, "server.log")

	var mu sync.Mutex
	var srv *exec.Cmd
	// start runs the server and waits until it answers; it may run on the
	// killer's goroutine, so it reports rather than fails.
	start := func() error {
		logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer logf.Close()
		cmd := exec.Command(bin, "serve")
		cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
		if err := cmd.Start(); err != nil {
			return err
		}
		mu.Lock()
		srv = cmd
		mu.Unlock()
		return waitHealthy(base, logPath)
	}
	kill := func() {
		mu.Lock()
		cmd := srv
		mu.Unlock()
		_ = cmd.Process.Kill() // SIGKILL: no shutdown code runs
		_ = cmd.Wait()
	}
	if err := start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	})

	// The killer strikes five times at random moments of the ingest and
	// restarts the server each time.
	rng := rand.New(rand.NewPCG(7, 11))
	done := make(chan struct{})
	killed := make(chan int, 1)
	var killErr error
	go func() {
		n := 0
		defer func() { killed <- n }()
		for ; n < kills; n++ {
			select {
			case <-time.After(time.Duration(500+rng.IntN(3500)) * time.Millisecond):
			case <-done:
				return
			}
			kill()
			if killErr = start(); killErr != nil {
				return
			}
		}
	}()

	acked := make([]bool, batches)
	client := &http.Client{Timeout: 60 * time.Second}
	for b := 0; b < batches; {
		select {
		case n := <-killed:
			if killErr != nil {
				t.Fatalf("restart after kill %d: %v", n+1, killErr)
			}
			killed <- n
		default:
		}
		body, _ := json.Marshal(map[string]any{"documents": docs[b*perBatch : (b+1)*perBatch]})
		resp, err := client.Post(base+"/v1/documents", "application/json", bytes.NewReader(body))
		if err != nil {
			time.Sleep(200 * time.Millisecond) // the server is down: retry the same batch
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("batch %d: HTTP %d", b, resp.StatusCode)
		}
		acked[b] = true
		b++
	}
	close(done)
	n := <-killed
	if killErr != nil {
		t.Fatalf("restart after kill %d: %v", n+1, killErr)
	}
	t.Logf("%d kills during the ingest", n)
	// Finish the kills (if the ingest outran the killer), and once more
	// after the last acknowledgment.
	for ; n <= kills; n++ {
		kill()
		if err := start(); err != nil {
			t.Fatal(err)
		}
	}

	// Every acknowledged document is there, once.
	seen := map[string]bool{}
	for offset := 0; ; offset += 1000 {
		var page struct {
			Total     int `json:"total"`
			Documents []struct {
				ID string `json:"id"`
			} `json:"documents"`
		}
		getJSON(t, fmt.Sprintf("%s/v1/documents?limit=1000&offset=%d", base, offset), &page)
		if page.Total != batches*perBatch {
			t.Fatalf("%d documents stored, want %d", page.Total, batches*perBatch)
		}
		for _, d := range page.Documents {
			seen[d.ID] = true
		}
		if len(page.Documents) < 1000 {
			break
		}
	}
	for b, ok := range acked {
		for _, d := range docs[b*perBatch : (b+1)*perBatch] {
			if ok && !seen[d.ID] {
				t.Fatalf("acknowledged document %s (batch %d) lost", d.ID, b)
			}
		}
	}
	// The vector index catches up with Bleve.
	waitReady(t, addr, logPath, 3*time.Minute)
}

// sciFactSentences makes n one-passage documents from the sentences of
// the SciFact abstracts.
func sciFactSentences(t *testing.T, n int) []corpus.Document {
	t.Helper()
	var out []corpus.Document
	stop := fmt.Errorf("enough")
	_, err := corpus.ReadFile(context.Background(), filepath.Join(testenv.SharedData(t), "scifact", "corpus.jsonl.gz"), corpus.BEIR, func(d corpus.Document) error {
		for i, sp := range corpus.Sentences(d.Text) {
			s := strings.TrimSpace(d.Text[sp.Start:sp.End])
			if len(strings.Fields(s)) < 5 {
				continue
			}
			out = append(out, corpus.Document{ID: fmt.Sprintf("%s-%d", d.ID, i), Title: d.Title, Text: s})
			if len(out) == n {
				return stop
			}
		}
		return nil
	})
	if err != nil && err != stop {
		t.Fatal(err)
	}
	if len(out) < n {
		t.Fatalf("only %d sentences", len(out))
	}
	return out
}

// shouldersBin is the binary 'make unit' built, or one built now.
func shouldersBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("SHOULDERS_BIN"); b != "" {
		return b
	}
	b := filepath.Join(t.TempDir(), "shoulders")
	cmd := exec.Command("go", "build", "-o", b, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return b
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := freeLoopback()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// waitHealthy is waitUp with the server's log in the error.
func waitHealthy(base, logPath string) error {
	if err := waitUp(context.Background(), base, 2*time.Minute); err != nil {
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w:\n%s", err, log)
	}
	return nil
}

// waitReady waits up to timeout until the server at addr reports ready:
// every collection's vectors in step with Bleve.
func waitReady(t *testing.T, addr, logPath string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ready struct {
			Status string         `json:"status"`
			Checks map[string]any `json:"checks"`
		}
		getJSON(t, "http://"+addr+"/readyz", &ready)
		if ready.Status == "ready" {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("vector index not reconciled: %+v\n%s", ready, log)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}
