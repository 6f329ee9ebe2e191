package reader

import (
	"unicode"

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

// Estimate is a conservative token count for LMs whose tokenizer we do not
// have. It charges every run of ASCII letters one token per four letters
// (at least one), every digit one token (SentencePiece models such as
// Llama 2 and Mistral split numbers into digits), every other ASCII
// character one token, and every non-ASCII character two (byte-level
// tokenizers split rare CJK or accented letters into byte pieces). On
// SQuAD it never counts fewer tokens than cl100k_base for a paragraph; see
// TestEstimateIsConservative.
type Estimate struct{}

// Count implements TokenCounter.
func (Estimate) Count(s string) int {
	n, run := 0, 0
	flush := func() {
		if run > 0 {
			n += (run + 3) / 4
			run = 0
		}
	}
	for _, r := range s {
		switch {
		case r < 128 && (r|0x20) >= 'a' && (r|0x20) <= 'z':
			run++
		case unicode.IsSpace(r):
			flush()
		case r >= 128:
			flush()
			n += 2
		default:
			flush()
			n++
		}
	}
	flush()
	return n
}

// Name implements TokenCounter.
func (Estimate) Name() string { return "estimate" }
