package reader

import (
	"strings"

	"github.com/tiktoken-go/tokenizer"
)

// A TokenCounter counts tokens as the LM will see them.
type TokenCounter interface {
	Count(text string) int
	// Name says which tokenizer counts, for responses and logs.
	Name() string
}

// NewTokenCounter picks the tokenizer of the LM: an explicit tiktoken
// encoding (cl100k_base, o200k_base, p50k_base, r50k_base), else the
// encoding of a known OpenAI model name, else Estimate.
func NewTokenCounter(model, encoding string) TokenCounter {
	if encoding != "" {
		if c, err := tokenizer.Get(tokenizer.Encoding(encoding)); err == nil {
			return tiktoken{c, encoding}
		}
	}
	if model != "" {
		if c, err := tokenizer.ForModel(tokenizer.Model(model)); err == nil {
			return tiktoken{c, string(c.GetName())}
		}
	}
	return Estimate{}
}

type tiktoken struct {
	c    tokenizer.Codec
	name string
}

func (t tiktoken) Count(s string) int {
	n, err := t.c.Count(s)
	if err != nil {
		return Estimate{}.Count(s)
	}
	return n
}

func (t tiktoken) Name() string { return t.name }

// Estimate counts one token per three bytes of UTF-8, rounded up, and never
// fewer tokens than words. BPE tokenizers of current LMs average about four
// bytes of English per token, and CJK text about one character (three
// bytes) per token, so the estimate errs high: a context packed by it does
// not overflow a model whose tokenizer is unknown to us.
type Estimate struct{}

// Count implements TokenCounter.
func (Estimate) Count(s string) int {
	n := (len(s) + 2) / 3
	if w := len(strings.Fields(s)); w > n {
		n = w
	}
	return n
}

// Name implements TokenCounter.
func (Estimate) Name() string { return "estimate" }
