package reader

import (
	"context"
	"fmt"
)

// An LM generates text from a prompt. OnDelta, when set, receives the
// text as it is generated; the returned Generation holds all of it.
type LM interface {
	Generate(ctx context.Context, req Generation) (Generation, error)
	Model() string
}

// A Generation is a request to the LM and, once returned, its result.
type Generation struct {
	Prompt      Prompt
	MaxTokens   int
	Temperature float64
	// N asks for that many samples in one request (the server's n
	// parameter). Servers that ignore it return one; see Sample.
	N       int
	OnDelta func(delta string) error `json:"-"`

	Text string `json:"text"`
	// Choices holds every sample returned, Text being the first.
	Choices          []string `json:"choices,omitempty"`
	FinishReason     string   `json:"finish_reason,omitempty"`
	PromptTokens     int      `json:"prompt_tokens"`
	CompletionTokens int      `json:"completion_tokens"`
}

// LMError codes, stable for API clients.
const (
	CodeLMUnreachable     = "lm_unreachable"
	CodeLMUnknownModel    = "lm_unknown_model"
	CodeLMContextOverflow = "lm_context_overflow"
	CodeLMRateLimited     = "lm_rate_limited"
	CodeLMTimeout         = "lm_timeout"
	CodeLMBadResponse     = "lm_bad_response"
	CodeLMError           = "lm_error"
)

// An LMError is a failure of the LM server, classified for the caller.
type LMError struct {
	Code    string `json:"code"`
	Status  int    `json:"status,omitempty"` // HTTP status from the server, 0 if none
	Message string `json:"message"`
}

func (e *LMError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}
