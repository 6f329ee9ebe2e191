package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoulders-qa/shoulders/eval"
	"github.com/spf13/cobra"
)

type loadFlags struct {
	shared   string
	out      string
	clients  int
	duration time.Duration
	max      int
	quiet    bool
}

// A LoadResult is one scenario of the load test.
type LoadResult struct {
	Scenario   string  `json:"scenario"`
	Clients    int     `json:"clients"`
	Seconds    float64 `json:"seconds"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Throughput float64 `json:"requests_per_s"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

func loadCmd(cfg *config) *cobra.Command {
	f := &loadFlags{}
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Load-test a server on loopback: search, ask (evidence) and ask (test LM)",
		Long: `Index QA-mix, start the server on loopback (and the local test LM), and
send its dev questions from --clients concurrent clients for --duration per
scenario (at most --max requests each): /v1/search, /v1/ask without an LM
(evidence answers), and /v1/ask with the test LM. Writes load.json to --out
and the table to BENCHMARKS.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLoad(cmd.Context(), cfg, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.shared, "shared", env("SHOULDERS_SHARED_DATA", "../shared/data"), "shared benchmark data folder")
	fl.StringVar(&f.out, "out", "bench", "folder for load.json")
	fl.IntVar(&f.clients, "clients", 32, "concurrent clients")
	fl.DurationVar(&f.duration, "duration", 60*time.Second, "time per scenario")
	fl.IntVar(&f.max, "max", 1_000_000, "most requests per scenario")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bars")
	return cmd
}

func runLoad(ctx context.Context, cfg *config, f *loadFlags) error {
	if f.clients < 1 || f.duration <= 0 || f.max < 1 {
		return fmt.Errorf("--clients, --duration and --max must be positive")
	}
	ds, err := eval.LoadDataset(ctx, eval.DatasetSpec{Name: "qamix", Split: "dev", Shared: f.shared})
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "load"))
	if err != nil {
		return err
	}
	const col = "qamix"
	idx := cfg.withoutVectors()
	idx.DataDir = dir
	a, err := idx.open()
	if err != nil {
		return err
	}
	if _, _, err := a.index(ctx, col, ds.Corpus, f.quiet); err != nil {
		a.Close()
		return err
	}
	a.Close()
	questions := make([]string, len(ds.Questions))
	for i, q := range ds.Questions {
		questions[i] = q.Text
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	lmAddr, err := freeLoopback()
	if err != nil {
		return err
	}
	lm := exec.CommandContext(ctx, self, "testlm", "--addr", lmAddr)
	if err := lm.Start(); err != nil {
		return err
	}
	defer func() { _ = lm.Process.Kill(); _ = lm.Wait() }()

	env := []string{"SHOULDERS_DATA_DIR=" + dir, "SHOULDERS_COLLECTION=" + col, "SHOULDERS_WEAVIATE=off",
		"SHOULDERS_AUTH=off", "SHOULDERS_LOG_LEVEL=error", "SHOULDERS_LM_URL=", "SHOULDERS_LM_MODEL="}
	scenarios := []struct {
		name, path string
		lm         bool
		body       func(q string) any
	}{
		{"search", "/v1/search", false, func(q string) any { return map[string]any{"query": q, "k": 100} }},
		{"ask, evidence (no LM)", "/v1/ask", false, func(q string) any { return map[string]any{"question": q} }},
		{"ask, test LM", "/v1/ask", true, func(q string) any { return map[string]any{"question": q} }},
	}
	var results []LoadResult
	var running *exec.Cmd
	var runningLM bool
	stop := func() {
		if running != nil {
			_ = running.Process.Signal(os.Interrupt)
			_ = running.Wait()
			running = nil
		}
	}
	defer stop()
	var base string
	for _, sc := range scenarios {
		if running == nil || runningLM != sc.lm {
			stop()
			addr, err := freeLoopback()
			if err != nil {
				return err
			}
			srvEnv := append(os.Environ(), env...)
			srvEnv = append(srvEnv, "SHOULDERS_ADDR="+addr)
			if sc.lm {
				srvEnv = append(srvEnv, "SHOULDERS_LM_URL=http://"+lmAddr, "SHOULDERS_LM_MODEL=test-model")
			}
			running = exec.CommandContext(ctx, self, "serve")
			running.Env, running.Stderr = srvEnv, os.Stderr
			if err := running.Start(); err != nil {
				return err
			}
			runningLM = sc.lm
			base = "http://" + addr
			if err := waitUp(ctx, base, time.Minute); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "load: %s, %d clients for %s\n", sc.name, f.clients, f.duration)
		r := hammer(ctx, base+sc.path, sc.body, questions, f)
		r.Scenario = sc.name
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "  %d requests, %d errors, %.0f/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n", r.Requests, r.Errors, r.Throughput, r.P50, r.P95, r.P99)
	}
	stop()
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(map[string]any{"date": time.Now().UTC(), "machine": eval.ThisMachine(), "corpus": "qamix", "questions": len(questions), "results": results}, "", "  ")
	if err := os.WriteFile(filepath.Join(f.out, "load.json"), js, 0o644); err != nil {
		return err
	}
	md := loadMarkdown(results, f)
	fmt.Print(md)
	return updateBenchmarks("load", md)
}

// hammer sends requests from f.clients goroutines until the duration or
// the request cap runs out.
func hammer(ctx context.Context, url string, body func(string) any, questions []string, f *loadFlags) LoadResult {
	tr := &http.Transport{MaxIdleConns: f.clients * 2, MaxIdleConnsPerHost: f.clients * 2}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []float64
	res := LoadResult{Clients: f.clients}
	start := time.Now()
	deadline := start.Add(f.duration)
	var wg sync.WaitGroup
	for c := 0; c < f.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(f.max) {
					return
				}
				b, _ := json.Marshal(body(questions[int(i)%len(questions)]))
				t := time.Now()
				resp, err := client.Post(url, "application/json", bytes.NewReader(b))
				var msg string
				if err == nil {
					data, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						msg = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(data)))
					}
				} else {
					msg = err.Error()
				}
				d := float64(time.Since(t).Microseconds()) / 1000
				mu.Lock()
				res.Requests++
				lat = append(lat, d)
				if msg != "" {
					res.Errors++
					if res.FirstError == "" {
						res.FirstError = msg
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.Throughput = float64(res.Requests) / res.Seconds
	s := eval.Summarize(lat)
	res.P50, res.P95, res.P99 = s.P50, s.P95, s.P99
	return res
}

func loadMarkdown(rs []LoadResult, f *loadFlags) string {
	var b strings.Builder
	m := eval.ThisMachine()
	fmt.Fprintf(&b, "## Load (%d concurrent clients on loopback, QA-mix)\n\n", f.clients)
	fmt.Fprintf(&b, "Measured %s on %d cores by:\n\n    make load   # shoulders load --clients %d --duration %s\n\n", time.Now().UTC().Format("2006-01-02"), m.Cores, f.clients, f.duration)
	b.WriteString("| scenario | requests | errors | requests/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f | %.1f | %.1f | %.1f |\n", r.Scenario, r.Requests, r.Errors, r.Throughput, r.P50, r.P95, r.P99)
	}
	b.WriteString("\nThe server ran as its own process on the same 2 cores as the clients, with BM25 retrieval and the shipped re-ranker over 100 candidates per question; the test LM answers at once (it copies a sentence), so the last row measures the pipeline around the LM, not a model.\n")
	return b.String()
}

// updateBenchmarks replaces the named block of BENCHMARKS.md, or appends
// it; 'shoulders bench' keeps such blocks when it rewrites the file.
func updateBenchmarks(name, md string) error {
	old, err := os.ReadFile("BENCHMARKS.md")
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile("BENCHMARKS.md", []byte(setBlock(string(old), name, md)), 0o644)
}

func blockMarks(name string) (string, string) {
	return "<!-- begin " + name + " -->\n", "<!-- end " + name + " -->\n"
}

// setBlock puts md between the markers of name in doc.
func setBlock(doc, name, md string) string {
	begin, end := blockMarks(name)
	block := begin + md + end
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i >= 0 && j > i {
		return doc[:i] + block + doc[j+len(end):]
	}
	if doc != "" && !strings.HasSuffix(doc, "\n\n") {
		doc += "\n"
	}
	return doc + block
}

// keptBlocks returns the marked blocks of doc, to carry into a rewrite.
func keptBlocks(doc string) string {
	var out strings.Builder
	for {
		i := strings.Index(doc, "<!-- begin ")
		if i < 0 {
			return out.String()
		}
		name := doc[i+len("<!-- begin "):]
		name = name[:strings.Index(name, " -->")]
		_, end := blockMarks(name)
		j := strings.Index(doc, end)
		if j < i {
			return out.String()
		}
		out.WriteString("\n" + doc[i:j+len(end)])
		doc = doc[j+len(end):]
	}
}

// freeLoopback returns a loopback address with a port free right now.
func freeLoopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitUp waits until the server at base answers /healthz.
func waitUp(ctx context.Context, base string, timeout time.Duration) error {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("server at %s did not come up within %s", base, timeout)
}
