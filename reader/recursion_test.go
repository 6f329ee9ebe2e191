package reader_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
	"github.com/shoulders-qa/shoulders/retriever"
)

func TestVoteNormalizesAndBreaksTiesByFirstSample(t *testing.T) {
	got := reader.Vote([]string{
		"Carolina Panthers [2]",
		"The Denver Broncos [1]",
		"denver broncos.",
		"",
		"Carolina Panthers",
		"Santa Clara [3][1]",
	})
	want := []struct {
		text    string
		count   int
		samples []int
	}{
		{"Carolina Panthers", 2, []int{0, 4}}, // tied with the Broncos, sampled first
		{"The Denver Broncos", 2, []int{1, 2}},
		{"Santa Clara", 1, []int{5}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		if got[i].Text != w.text || got[i].Count != w.count || !reflect.DeepEqual(got[i].Samples, w.samples) {
			t.Errorf("candidate %d = %+v, want %+v", i, got[i], w)
		}
	}
	if len(reader.Vote(nil)) != 0 || len(reader.Vote([]string{" ", "[1]"})) != 0 {
		t.Fatal("empty samples make no candidates")
	}
}

func testLM(t *testing.T) (*openaitest.Server, reader.LM) {
	t.Helper()
	srv := openaitest.New("m")
	t.Cleanup(srv.Close)
	lm, err := openai.New(openai.Config{URL: srv.URL, Model: "m", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return srv, lm
}

func TestSampleUsesNOrSeparateCalls(t *testing.T) {
	srv, lm := testLM(t)
	srv.SetResponder(func(_ string, i int) string { return fmt.Sprintf("answer %d", i) })
	g := reader.Generation{Prompt: reader.BuildPrompt("q", nil), MaxTokens: 16, Temperature: 0.7}

	got, pass, err := reader.Sample(context.Background(), lm, g, 5)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Requests.Load() != 1 || srv.LastN() != 5 || pass.Calls != 1 || len(got) != 5 || got[4] != "answer 4" {
		t.Fatalf("with n: %d requests, n=%d, pass %+v, samples %q", srv.Requests.Load(), srv.LastN(), pass, got)
	}
	if pass.CompletionTokens != 10 {
		t.Fatalf("usage of all choices: %+v", pass)
	}

	// A server that ignores n answers once; the rest come from separate calls.
	srv.SetIgnoreN(true)
	srv.Requests.Store(0)
	got, pass, err = reader.Sample(context.Background(), lm, g, 5)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Requests.Load() != 5 || pass.Calls != 5 || len(got) != 5 || pass.PromptTokens == 0 {
		t.Fatalf("without n: %d requests, pass %+v, samples %q", srv.Requests.Load(), pass, got)
	}

	// One failed call fails the pass.
	srv.FailAfter(1, 10, http.StatusBadRequest, `{"error":{"message":"bad sample"}}`)
	if _, _, err := reader.Sample(context.Background(), lm, g, 5); err == nil {
		t.Fatal("a failed sample must fail the pass")
	}

	// So does one that panics, in a goroutine of its own, without ending
	// the process.
	srv.FailAfter(0, 0, 0, "")
	if _, _, err := reader.Sample(context.Background(), &panicsAfterFirst{LM: lm}, g, 5); err == nil || !strings.Contains(err.Error(), "client bug") {
		t.Fatalf("a panicking sample: %v", err)
	}
}

// panicsAfterFirst answers its first call and panics on the others, as a
// bug in an LM client would.
type panicsAfterFirst struct {
	reader.LM
	calls atomic.Int32
}

func (p *panicsAfterFirst) Generate(ctx context.Context, g reader.Generation) (reader.Generation, error) {
	if p.calls.Add(1) > 1 {
		panic("client bug")
	}
	return p.LM.Generate(ctx, g)
}

// squadPassages packs the first paragraphs of SQuAD dev (Super Bowl 50).
func squadPassages(t *testing.T, n int) []reader.Packed {
	t.Helper()
	var out []reader.Packed
	stop := errors.New("enough")
	_, err := corpus.ReadFile(context.Background(), filepath.Join(testenv.SharedData(t), "squad", "dev-v1.1.json.gz"), corpus.SQuAD, func(d corpus.Document) error {
		if len(out) == n {
			return stop
		}
		p := corpus.Passage{ID: corpus.PassageID(d.ID, 0), DocID: d.ID, Title: d.Title, Text: d.Text}
		out = append(out, reader.Packed{Candidate: retriever.Candidate{Passage: p}, N: len(out) + 1})
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		t.Fatal(err)
	}
	return out
}

// The test model samples scripted answers; on a second-pass prompt it
// answers the first candidate listed.
func scripted(samples ...string) func(string, int) string {
	return func(prompt string, i int) string {
		if strings.Contains(prompt, "<candidate ") {
			return openaitest.Answer(prompt)
		}
		return samples[i%len(samples)]
	}
}

func TestTextualRecursion(t *testing.T) {
	srv, lm := testLM(t)
	packed := squadPassages(t, 3)
	srv.SetResponder(scripted("Denver Broncos [1]", "Carolina Panthers [1]", "the Denver Broncos", "<b>Santa Clara</b> [2]", "Denver Broncos."))
	var streamed strings.Builder
	rd := reader.Reading{
		Question: "Which NFL team won Super Bowl 50?", Packed: packed, MaxTokens: 64, Tokens: reader.Estimate{},
		Recursion: reader.Recursion{Mode: reader.RecursionTextual, Samples: 5},
		OnDelta:   func(d string) error { streamed.WriteString(d); return nil },
	}
	res, err := rd.Do(context.Background(), lm)
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Recursion
	if rep == nil || len(rep.Candidates) != 3 || rep.Candidates[0].Text != "Denver Broncos" || rep.Candidates[0].Count != 3 {
		t.Fatalf("candidates %+v", rep)
	}
	final := srv.LastPrompt()
	for _, c := range rep.Candidates {
		esc := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(c.Text)
		if !strings.Contains(final, esc) {
			t.Errorf("second-pass prompt lacks candidate %q", c.Text)
		}
	}
	if strings.Contains(final, "<b>") {
		t.Error("a candidate is quoted data: its markup must be escaped")
	}
	if !strings.Contains(final, packed[2].Passage.Text[:80]) || !strings.Contains(final, `votes="3"`) {
		t.Error("second pass must read the same passages and the votes")
	}
	// The final pass answers, is streamed, and both passes are accounted for.
	if res.Text != "Denver Broncos [1]" || streamed.String() != res.Text {
		t.Fatalf("final %q, streamed %q", res.Text, streamed.String())
	}
	if len(rep.Passes) != 2 || rep.Passes[0].Name != "sample" || rep.Passes[1].Name != "final" ||
		res.PromptTokens != rep.Passes[0].PromptTokens+rep.Passes[1].PromptTokens || rep.Passes[1].CompletionTokens == 0 {
		t.Fatalf("passes %+v, totals %d/%d", rep.Passes, res.PromptTokens, res.CompletionTokens)
	}
}

func TestVoteRecursion(t *testing.T) {
	srv, lm := testLM(t)
	packed := squadPassages(t, 2)
	srv.SetResponder(scripted("Santa Clara [2]", "Denver Broncos [1]", "Denver Broncos [1]", "Santa Clara"))
	var streamed []string
	res, err := reader.Reading{Question: "Where was Super Bowl 50 played?", Packed: packed,
		Recursion: reader.Recursion{Mode: reader.RecursionVote, Samples: 4},
		OnDelta:   func(d string) error { streamed = append(streamed, d); return nil }}.Do(context.Background(), lm)
	if err != nil {
		t.Fatal(err)
	}
	// 2-2: the answer sampled first wins, with its citation kept.
	if res.Text != "Santa Clara [2]" || len(streamed) != 1 || streamed[0] != res.Text {
		t.Fatalf("vote %q, streamed %q", res.Text, streamed)
	}
	if srv.Requests.Load() != 1 || len(res.Recursion.Passes) != 1 {
		t.Fatalf("a vote is one pass: %d requests, %+v", srv.Requests.Load(), res.Recursion.Passes)
	}
	if c := reader.Cite(res.Text, packed); len(c) != 1 || c[0].N != 2 {
		t.Fatalf("citations %+v", c)
	}
}

func TestRecursionErrorsGiveNoAnswer(t *testing.T) {
	srv, lm := testLM(t)
	packed := squadPassages(t, 2)
	rd := reader.Reading{Question: "Who won Super Bowl 50?", Packed: packed,
		Recursion: reader.Recursion{Mode: reader.RecursionTextual, Samples: 3}}
	var streamed strings.Builder
	rd.OnDelta = func(d string) error { streamed.WriteString(d); return nil }

	cases := []struct {
		name, pass, code string
		setup            func()
	}{
		{"sampling fails", "sample", reader.CodeLMError, func() { srv.Fail(10, http.StatusInternalServerError, `{"error":{"message":"boom"}}`) }},
		{"final pass fails", "final", reader.CodeLMError, func() {
			srv.FailAfter(1, 10, http.StatusInternalServerError, `{"error":{"message":"boom"}}`)
		}},
		{"final stream cut", "final", reader.CodeLMBadResponse, func() { srv.SetCutStream(true) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv.Fail(0, 0, "")
			srv.SetCutStream(false)
			c.setup()
			res, err := rd.Do(context.Background(), lm)
			var pe *reader.PassError
			var le *reader.LMError
			if !errors.As(err, &pe) || pe.Pass != c.pass || !errors.As(err, &le) || le.Code != c.code {
				t.Fatalf("error %v (%T), want the %s pass with %s", err, err, c.pass, c.code)
			}
			if res.Text != "" || res.Recursion != nil {
				t.Fatalf("a failed reading returned %+v", res)
			}
		})
	}
	srv.SetCutStream(false)
}
