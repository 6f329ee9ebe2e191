package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/spf13/cobra"
)

func askCmd(cfg *config) *cobra.Command {
	var asJSON, rr bool
	var budget int
	var rec reader.Recursion
	var recMode string
	var demos reader.Demos
	var docs, meta []string
	cmd := &cobra.Command{
		Use:   `ask "question"`,
		Short: "Answer a question from a collection",
		Long: `Answer a question from a collection. If a server answers at --server (or
at --addr), the question goes to it; otherwise the index is opened here.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := strings.TrimSpace(args[0])
			if q == "" {
				return fmt.Errorf("the question is empty")
			}
			if err := cfg.checkK(); err != nil {
				return err
			}
			if budget < 0 {
				return fmt.Errorf("--budget must be a positive number of tokens (0: what the LM context allows), not %d", budget)
			}
			mode, err := reader.ParseRecursionMode(recMode)
			if err != nil {
				return err
			}
			rec.Mode = mode
			if err := rec.Validate(); err != nil {
				return err
			}
			if err := demos.Validate(); err != nil {
				return err
			}
			f, err := cliFilter(docs, meta)
			if err != nil {
				return err
			}
			req := api.AskRequest{Question: q, Collection: cfg.Collection, Retrieval: cfg.Retrieval,
				K: cfg.K, Documents: docs, Metadata: apiMetadata(f), Budget: budget, Policy: cfg.Packing, Rerank: &rr}
			if rec.On() {
				req.Recursion = &rec
			}
			if demos.On() {
				req.Demos = &demos
			}
			var a reader.Answer
			if base := cfg.remote(); base != "" {
				if err := postJSON(cmd.Context(), base+"/v1/ask", req, &a); err != nil {
					return err
				}
			} else {
				app, err := cfg.open()
				if err != nil {
					return err
				}
				defer app.Close()
				r := reader.Request{Question: q, Collection: cfg.Collection, Retrieval: cfg.Retrieval,
					K: cfg.K, Filter: f, Budget: budget, Policy: reader.Policy(cfg.Packing), Rerank: &rr, Recursion: rec, Demos: demos}
				streamed := false
				if app.reader.LM != nil && !asJSON {
					r.OnDelta = func(d string) error { streamed = true; fmt.Print(d); return nil }
				}
				ans, err := app.reader.Ask(cmd.Context(), r)
				if err != nil {
					return cfg.explainMissing(err)
				}
				a = *ans
				if streamed {
					fmt.Println()
					a.Answer = ""
				}
			}
			if asJSON {
				return printJSON(os.Stdout, a)
			}
			printAnswer(a)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the whole answer as JSON")
	cmd.Flags().BoolVar(&rr, "rerank", true, "re-rank the candidates with the model (when one is loaded)")
	filterFlags(cmd, &docs, &meta)
	cmd.Flags().IntVar(&budget, "budget", 0, "cap on passage tokens (default: what the LM context allows)")
	cmd.Flags().StringVar(&recMode, "recursion", "off", "read the context again: off, vote (majority of samples) or textual (second pass over the samples)")
	cmd.Flags().IntVar(&rec.Samples, "samples", reader.DefaultSamples, "first-pass samples of a recursion")
	cmd.Flags().StringVar(&demos.Pool, "demos", "", "demonstration pool to draw worked examples from")
	cmd.Flags().IntVar(&demos.K, "demos-k", reader.DefaultDemoK, "most worked examples shown")
	return cmd
}

func printAnswer(a reader.Answer) {
	switch {
	case a.Mode == reader.ModeEvidence && a.LMError != nil:
		fmt.Fprintf(os.Stderr, "shoulders: the LM failed (%s); answering with evidence\n", a.LMError)
		fmt.Println("Evidence (extracted from the passages; the LM failed):")
	case a.Mode == reader.ModeEvidence:
		fmt.Println("Evidence (extracted from the passages; no LM is configured):")
	}
	if a.Answer != "" {
		fmt.Println(a.Answer)
	}
	if r := a.Recursion; r != nil {
		fmt.Printf("\n%s recursion over %d samples:\n", r.Mode, r.Samples)
		for _, c := range r.Candidates {
			fmt.Printf("  %d× %s\n", c.Count, c.Text)
		}
	}
	for i, d := range a.Demos {
		if i == 0 {
			fmt.Println("\nWorked examples shown:")
		}
		fmt.Printf("  %s\n", d.Question)
	}
	if len(a.Citations) > 0 {
		fmt.Println()
		for _, c := range a.Citations {
			src := c.Source
			if src == "" {
				src = c.DocID
			}
			fmt.Printf("[%d] %s (%s)\n", c.N, c.Title, src)
		}
	}
	fmt.Printf("\n%d passages packed, %d of %d tokens, %.0f ms\n", len(a.Packed), a.Tokens.Used, a.Tokens.Budget, a.Timing.TotalMS)
}

// remote returns the base URL of a running server to use, or "".
func (c *config) remote() string {
	base := c.serverURL()
	if err := answers(base); err != nil {
		if c.Server != "" {
			fmt.Fprintf(os.Stderr, "shoulders: server %s does not answer (%v); opening the index here\n", c.Server, err)
		}
		return ""
	}
	return base
}

// serverURL is --server; without it, the server holding --data-dir, or
// else the one at --addr.
func (c *config) serverURL() string {
	base := c.Server
	if base == "" {
		if url, _ := servedBy(c.DataDir); url != "" {
			base = url
		} else {
			base = "http://" + c.Addr
		}
	}
	return strings.TrimRight(base, "/")
}

// answers checks that a server answers its health check at base.
func answers(base string) error {
	cl := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := cl.Get(base + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check answered %s", resp.Status)
	}
	return nil
}

// printJSON writes v indented, as --json prints it.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func postJSON(ctx context.Context, url string, body, out any) error {
	return callJSON(ctx, http.MethodPost, url, body, out)
}

// callJSON sends body (none when nil) to a server's API and decodes its
// answer into out; an error answer becomes an error naming its code.
func callJSON(ctx context.Context, method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if k := os.Getenv("SHOULDERS_API_KEY"); k != "" {
		req.Header.Set("Authorization", "Bearer "+k)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &serverError{Status: resp.StatusCode, Text: resp.Status}
		var body struct{ Error api.Error }
		if json.Unmarshal(data, &body) == nil {
			e.Code, e.Message = body.Error.Code, body.Error.Message
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	return json.Unmarshal(data, out)
}

// A serverError is an error answer of a server's API.
type serverError struct {
	Status        int
	Text          string // the status line, for answers without a JSON body
	Code, Message string
	RetryAfter    time.Duration
}

func (e *serverError) Error() string {
	if e.Message != "" {
		return e.Code + ": " + e.Message
	}
	return "server answered " + e.Text
}

// temporary reports whether the same request may succeed later: the
// server limited the rate or was not ready.
func (e *serverError) temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable
}
