package reader

import (
	"context"
	"fmt"

	"github.com/shoulders-qa/shoulders/retriever"
)

// A Demo is a solved question shown to the LM as a worked example before
// the real one: the textual form of an input-dependent prompt, chosen per
// question by similarity.
type Demo struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	// Title and Passage are the gold passage, when the pool knows it; the
	// example then shows how an answer cites it.
	Title   string  `json:"title,omitempty"`
	Passage string  `json:"passage,omitempty"`
	Score   float64 `json:"score"`
	// Tokens is what the demo takes in the prompt, set by PackDemos.
	Tokens int `json:"tokens"`
}

// A DemoSource finds the solved questions of a pool most similar to a
// question, best first.
type DemoSource interface {
	Demos(ctx context.Context, pool, question string, k int) ([]Demo, error)
}

// Demos settings of a request.
type Demos struct {
	// Pool names the demonstration pool; "" turns demos off.
	Pool string `json:"pool"`
	// K is the most demos shown (default 3).
	K int `json:"k,omitempty"`
	// Share is the fraction of the passage budget demos may take
	// (default 0.25); passages get the rest, and whatever demos leave.
	Share float64 `json:"share,omitempty"`
}

// Defaults and bounds of Demos.
const (
	DefaultDemoK     = 3
	MaxDemoK         = 32
	DefaultDemoShare = 0.25
)

// On reports whether demos are asked for.
func (d Demos) On() bool { return d.Pool != "" }

// Validate reports settings out of range.
func (d Demos) Validate() error {
	if d.K < 0 || d.K > MaxDemoK {
		return fmt.Errorf("demos k must be between 1 and %d", MaxDemoK)
	}
	if d.Share < 0 || d.Share > 1 {
		return fmt.Errorf("demos share must be between 0 and 1")
	}
	return nil
}

// WithDefaults fills the zero settings with the defaults.
func (d Demos) WithDefaults() Demos {
	if d.K <= 0 {
		d.K = DefaultDemoK
	}
	if d.Share <= 0 {
		d.Share = DefaultDemoShare
	}
	return d
}

// demoMessages is how a demo appears in the prompt: a user turn with its
// gold passage and question, and the assistant turn that answers it in
// the expected format.
func demoMessages(d Demo) []Message {
	answer := ""
	if len(d.Answers) > 0 {
		answer = d.Answers[0]
	}
	user := "Passages:\n(none)\n\nQuestion: " + d.Question
	if d.Passage != "" {
		user = "Passages:\n" + passageBlock(1, d.Title, d.Passage) + "\nQuestion: " + d.Question
		answer += " [1]"
	}
	return []Message{{Role: "user", Content: user}, {Role: "assistant", Content: answer}}
}

// demoTokens counts what a demo adds to the prompt, chat template included.
func demoTokens(d Demo, tc TokenCounter) int {
	n := 0
	for _, m := range demoMessages(d) {
		n += tc.Count(m.Content) + 4
	}
	return n
}

// PackWithDemos shares a budget between worked examples and passages:
// demos take at most share of it, best first; passages get the rest,
// including whatever the demos left. It returns the passages' packing,
// the demos kept and their tokens.
func PackWithDemos(cands []retriever.Candidate, demos []Demo, budget int, share float64, tc TokenCounter, policy Policy) (Packing, []Demo, int) {
	kept, used := PackDemos(demos, int(float64(budget)*share), tc)
	return Pack(cands, budget-used, tc, policy), kept, used
}

// PackDemos keeps demos, in order, while they fit in budget tokens, and
// sets each kept demo's Tokens. A demo that does not fit is skipped and
// the next, shorter one may still fit.
func PackDemos(demos []Demo, budget int, tc TokenCounter) ([]Demo, int) {
	var out []Demo
	used := 0
	for _, d := range demos {
		n := demoTokens(d, tc)
		if used+n > budget {
			continue
		}
		d.Tokens = n
		used += n
		out = append(out, d)
	}
	return out, used
}
