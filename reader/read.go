package reader

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A Reading asks the frozen LM one question over packed passages, with
// optional worked examples, once or recursively.
type Reading struct {
	Question  string
	Packed    []Packed
	Demos     []Demo
	Recursion Recursion
	// MaxTokens bounds the answer; Temperature is that of the answer (the
	// first pass of a recursion samples at Recursion.Temperature).
	MaxTokens   int
	Temperature float64
	// OnDelta receives the final answer as it is written: the only pass
	// of a plain reading, the second pass of a textual recursion, and the
	// chosen answer at once for a vote.
	OnDelta func(delta string) error
	// Tokens clips candidate answers in the second pass.
	Tokens TokenCounter
}

// A Read is the outcome of a Reading.
type Read struct {
	Text             string
	PromptTokens     int
	CompletionTokens int
	// Recursion reports the passes of a recursive reading; nil otherwise.
	Recursion *RecursionReport
}

// A PassError is an LM failure in one pass of a recursive reading. It
// wraps the LM's error, so its code reaches the caller.
type PassError struct {
	Pass string
	Err  error
}

func (e *PassError) Error() string { return fmt.Sprintf("%s pass: %v", e.Pass, e.Err) }
func (e *PassError) Unwrap() error { return e.Err }

// Do runs the reading with lm. On error nothing is returned as an answer:
// a second pass cut short never stands in for the final one.
func (rd Reading) Do(ctx context.Context, lm LM) (Read, error) {
	rec := rd.Recursion.withDefaults()
	prompt := BuildDemoPrompt(rd.Question, rd.Packed, rd.Demos)
	if !rec.On() {
		g, err := lm.Generate(ctx, Generation{Prompt: prompt, MaxTokens: rd.MaxTokens, Temperature: rd.Temperature, OnDelta: rd.OnDelta})
		if err != nil {
			return Read{}, err
		}
		return Read{Text: strings.TrimSpace(g.Text), PromptTokens: g.PromptTokens, CompletionTokens: g.CompletionTokens}, nil
	}
	maxTok := SampleMaxTokens
	if rd.MaxTokens > 0 && rd.MaxTokens < maxTok {
		maxTok = rd.MaxTokens
	}
	samples, pass, err := Sample(ctx, lm, Generation{Prompt: prompt, MaxTokens: maxTok, Temperature: rec.Temperature}, rec.Samples)
	if err != nil {
		return Read{}, &PassError{Pass: "sample", Err: err}
	}
	cands := Vote(samples)
	rep := &RecursionReport{Mode: rec.Mode, Samples: rec.Samples, Temperature: rec.Temperature, Candidates: cands, Passes: []Pass{pass}}
	if rep.Candidates == nil {
		rep.Candidates = []CandidateAnswer{}
	}
	out := Read{Recursion: rep, PromptTokens: pass.PromptTokens, CompletionTokens: pass.CompletionTokens}
	if rec.Mode == RecursionVote {
		out.Text = "I don't know."
		if len(cands) > 0 {
			out.Text = cands[0].raw
		}
		if rd.OnDelta != nil {
			if err := rd.OnDelta(out.Text); err != nil {
				return Read{}, err
			}
		}
		return out, nil
	}
	tc := rd.Tokens
	if tc == nil {
		tc = Estimate{}
	}
	start := time.Now()
	g, err := lm.Generate(ctx, Generation{
		Prompt:    BuildFinalPrompt(rd.Question, rd.Packed, rd.Demos, cands, rec.Samples, tc),
		MaxTokens: rd.MaxTokens, Temperature: rd.Temperature, OnDelta: rd.OnDelta,
	})
	if err != nil {
		return Read{}, &PassError{Pass: "final", Err: err}
	}
	rep.Passes = append(rep.Passes, Pass{Name: "final", Calls: 1, PromptTokens: g.PromptTokens, CompletionTokens: g.CompletionTokens, MS: ms(time.Since(start))})
	out.Text = strings.TrimSpace(g.Text)
	out.PromptTokens += g.PromptTokens
	out.CompletionTokens += g.CompletionTokens
	return out, nil
}
