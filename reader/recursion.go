package reader

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

// RecursionMode selects how many times the LM reads the packed context.
type RecursionMode string

// Recursion modes.
const (
	// RecursionOff reads once: the plain frozen reader.
	RecursionOff RecursionMode = "off"
	// RecursionVote samples N answers and returns the most frequent one
	// after normalization: the cheap baseline.
	RecursionVote RecursionMode = "vote"
	// RecursionTextual samples N answers, then shows them to the LM beside
	// the same passages and asks for the final answer: the textual form of
	// LM recursion.
	RecursionTextual RecursionMode = "textual"
)

// Recursion settings. Zero values take the defaults below.
type Recursion struct {
	Mode RecursionMode `json:"mode"`
	// Samples is the number of first-pass answers (default 5).
	Samples int `json:"samples,omitempty"`
	// Temperature of the first pass (default 0.7): sampling at 0 would
	// give N copies of one answer.
	Temperature float64 `json:"temperature,omitempty"`
}

// Defaults and bounds of Recursion.
const (
	DefaultSamples           = 5
	MaxSamples               = 16
	DefaultSampleTemperature = 0.7
	// SampleMaxTokens bounds each first-pass answer: the prompt asks for
	// a short phrase, and every sample is paid for.
	SampleMaxTokens = 64
	// candidateMaxTokens bounds each candidate as listed in the second
	// pass, so that the room kept for them is known in advance.
	candidateMaxTokens = 48
)

// ParseRecursionMode reads a mode name; "" is off.
func ParseRecursionMode(s string) (RecursionMode, error) {
	switch m := RecursionMode(s); m {
	case "", RecursionOff:
		return RecursionOff, nil
	case RecursionVote, RecursionTextual:
		return m, nil
	}
	return "", fmt.Errorf("unknown recursion mode %q (want off, vote or textual)", s)
}

// On reports whether the LM reads the context more than once.
func (r Recursion) On() bool { return r.Mode == RecursionVote || r.Mode == RecursionTextual }

// Validate reports settings out of range.
func (r Recursion) Validate() error {
	if _, err := ParseRecursionMode(string(r.Mode)); err != nil {
		return err
	}
	if r.Samples < 0 || r.Samples > MaxSamples {
		return fmt.Errorf("samples must be between 1 and %d", MaxSamples)
	}
	if r.Temperature < 0 || r.Temperature > 2 {
		return fmt.Errorf("temperature must be between 0 and 2")
	}
	return nil
}

func (r Recursion) withDefaults() Recursion {
	if r.Mode == "" {
		r.Mode = RecursionOff
	}
	if r.Samples <= 0 {
		r.Samples = DefaultSamples
	}
	if r.Temperature <= 0 {
		r.Temperature = DefaultSampleTemperature
	}
	return r
}

// A CandidateAnswer is one distinct first-pass answer.
type CandidateAnswer struct {
	// Text is the answer as first sampled, without citations.
	Text string `json:"text"`
	// Count is the number of samples that gave it (after normalization).
	Count int `json:"count"`
	// Samples lists which samples gave it, from 0.
	Samples []int `json:"samples"`

	raw string // first sample's text, citations included
}

// A Pass is the cost of one reading of the context.
type Pass struct {
	Name string `json:"name"`
	// Calls is the number of LM requests the pass took (1 when the server
	// honours n, else one per sample).
	Calls            int     `json:"calls"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	MS               float64 `json:"ms"`
}

// A RecursionReport tells what a recursive reading did.
type RecursionReport struct {
	Mode        RecursionMode     `json:"mode"`
	Samples     int               `json:"samples"`
	Temperature float64           `json:"temperature"`
	Candidates  []CandidateAnswer `json:"candidates"`
	Passes      []Pass            `json:"passes"`
}

// Vote groups samples by their normalized text (citations removed, SQuAD
// normalization) and orders the groups by count, ties going to the group
// sampled first, so the outcome never depends on map order. Empty samples
// are dropped.
func Vote(samples []string) []CandidateAnswer {
	var out []CandidateAnswer
	at := map[string]int{}
	for i, s := range samples {
		text := StripCitations(s)
		key := corpus.NormalizeAnswer(text)
		if key == "" {
			continue
		}
		j, ok := at[key]
		if !ok {
			j = len(out)
			at[key] = j
			out = append(out, CandidateAnswer{Text: text, raw: strings.TrimSpace(s)})
		}
		out[j].Count++
		out[j].Samples = append(out[j].Samples, i)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// maxParallelSamples bounds the separate calls made for servers that
// ignore n, so one question cannot open dozens of connections.
const maxParallelSamples = 4

// Sample asks lm for n answers to g's prompt: once with the n parameter,
// then, if the server returned fewer (llama.cpp and Ollama ignore n), with
// separate calls in parallel for the rest. Any failed call fails the pass.
func Sample(ctx context.Context, lm LM, g Generation, n int) ([]string, Pass, error) {
	start := time.Now()
	pass := Pass{Name: "sample", Calls: 1}
	g.N, g.OnDelta = n, nil
	first, err := lm.Generate(ctx, g)
	if err != nil {
		return nil, pass, err
	}
	pass.PromptTokens, pass.CompletionTokens = first.PromptTokens, first.CompletionTokens
	texts := first.Choices
	if len(texts) == 0 {
		texts = []string{first.Text}
	}
	if len(texts) > n {
		texts = texts[:n]
	}
	rest := make([]Generation, n-len(texts))
	errs := make([]error, len(rest))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelSamples)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := range rest {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			// Beyond the server's panic recovery, a panic here would end
			// the process; it fails the pass instead.
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("sample failed on a bug: %v", p)
					cancel()
				}
			}()
			one := g
			one.N = 1
			rest[i], errs[i] = lm.Generate(ctx, one)
			if errs[i] != nil {
				cancel() // one failure fails the pass; stop the others
			}
		}()
	}
	wg.Wait()
	for i, r := range rest {
		if errs[i] != nil {
			return nil, pass, errs[i]
		}
		texts = append(texts, r.Text)
		pass.Calls++
		pass.PromptTokens += r.PromptTokens
		pass.CompletionTokens += r.CompletionTokens
	}
	pass.MS = ms(time.Since(start))
	return texts, pass, nil
}

// candidateBlock is how candidate n appears in the second-pass prompt:
// escaped like passages, since it is LM output derived from them.
func candidateBlock(n, votes int, text string) string {
	return fmt.Sprintf("<candidate n=\"%d\" votes=\"%d\">%s</candidate>\n", n, votes, quote(text))
}

const candidatesHeader = "Candidate answers from %d earlier readings of these passages, most frequent first (votes = how many readings gave it):\n"

// candidatesReserve is the most the candidate list of a textual second
// pass can take: the context budget keeps this much free for it.
func candidatesReserve(samples int, tc TokenCounter) int {
	return tc.Count(fmt.Sprintf(candidatesHeader, samples)) +
		samples*(tc.Count(candidateBlock(MaxSamples, MaxSamples, ""))+candidateMaxTokens) + 2
}

// clip shortens s until tc counts at most n tokens in it.
func clip(s string, n int, tc TokenCounter) string {
	for tc.Count(s) > n {
		w := strings.Fields(s)
		if len(w) <= 1 {
			r := []rune(s)
			s = string(r[:len(r)*3/4])
			continue
		}
		s = strings.Join(w[:len(w)*3/4], " ") + "…"
	}
	return s
}
