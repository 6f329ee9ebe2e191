// Package openai is the LM client for OpenAI-compatible servers (vLLM,
// llama.cpp, Ollama, OpenAI and others): /v1/chat/completions and
// /v1/completions, streaming or not, with a timeout, bounded retries on
// 429 and 5xx, and errors classified as reader.LMError.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/reader"
)

// API selects the endpoint.
type API string

const (
	Chat        API = "chat"
	Completions API = "completions"
)

// Config configures a Client.
type Config struct {
	// URL is the server's base URL, with or without the trailing /v1.
	URL    string
	Model  string
	APIKey string
	API    API
	// Timeout bounds the wait for an answer, retries included, and while
	// an answer streams, the wait for each next piece of it (default 60s).
	Timeout time.Duration
	// MaxRetries bounds retries after 429, 5xx or a refused connection
	// (default 2).
	MaxRetries int
	HTTP       *http.Client
}

// Client talks to one model on one server.
type Client struct {
	cfg  Config
	base string
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("LM URL is empty")
	}
	if cfg.Model == "" {
		return nil, errors.New("LM model is empty")
	}
	switch cfg.API {
	case "":
		cfg.API = Chat
	case Chat, Completions:
	default:
		return nil, fmt.Errorf("unknown LM API %q (want chat or completions)", cfg.API)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	} else if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 2
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{}
	}
	base := strings.TrimRight(cfg.URL, "/")
	if !strings.HasSuffix(base, "/v1") {
		base += "/v1"
	}
	return &Client{cfg: cfg, base: base}, nil
}

// Model implements reader.LM.
func (c *Client) Model() string { return c.cfg.Model }

type wireMessage = reader.Message

type request struct {
	Model         string         `json:"model"`
	Messages      []wireMessage  `json:"messages,omitempty"`
	Prompt        string         `json:"prompt,omitempty"`
	MaxTokens     int            `json:"max_tokens,omitempty"`
	Temperature   float64        `json:"temperature"`
	N             int            `json:"n,omitempty"`
	Stream        bool           `json:"stream,omitempty"`
	StreamOptions map[string]any `json:"stream_options,omitempty"`
}

type response struct {
	Choices []struct {
		Message *struct {
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Content string `json:"content"`
		} `json:"delta"`
		Index        int     `json:"index"`
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error *apiError `json:"error"`
}

type apiError struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    any    `json:"code"`
}

// Generate implements reader.LM.
func (c *Client) Generate(ctx context.Context, g reader.Generation) (reader.Generation, error) {
	// The timeout bounds each wait for the LM: for its answer, retries
	// included, and while an answer streams, for each next piece. An
	// answer that keeps coming is never cut: a slow LM on a CPU may write
	// for minutes.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(c.cfg.Timeout, func() { cancel(errTimedOut) })
	defer timer.Stop()
	stream := g.OnDelta != nil
	body := request{Model: c.cfg.Model, MaxTokens: g.MaxTokens, Temperature: g.Temperature, Stream: stream}
	if g.N > 1 {
		if stream {
			return g, errors.New("streaming takes one sample; N must be 1")
		}
		body.N = g.N
	}
	path := "/chat/completions"
	if c.cfg.API == Completions {
		path = "/completions"
		body.Prompt = g.Prompt.Text()
	} else {
		body.Messages = g.Prompt.Messages
	}
	if stream {
		body.StreamOptions = map[string]any{"include_usage": true}
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return g, err
	}
	resp, err := c.post(ctx, path, payload)
	if err != nil {
		return g, err
	}
	defer resp.Body.Close()
	if stream {
		err = c.readStream(ctx, resp.Body, &g, func() { timer.Reset(c.cfg.Timeout) })
	} else {
		err = c.readJSON(resp.Body, &g)
	}
	if err != nil && errors.Is(context.Cause(ctx), errTimedOut) {
		msg := fmt.Sprintf("no complete answer within %s", c.cfg.Timeout)
		if stream {
			msg = fmt.Sprintf("the answer stopped: nothing more within %s", c.cfg.Timeout)
		}
		return g, &reader.LMError{Code: reader.CodeLMTimeout, Message: msg}
	}
	return g, err
}

// post sends the request, retrying refused connections, 429 and 5xx with
// exponential backoff (honouring Retry-After) up to MaxRetries times.
func (c *Client) post(ctx context.Context, path string, payload []byte) (*http.Response, error) {
	var last error
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		if c.cfg.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
		}
		resp, err := c.cfg.HTTP.Do(req)
		var wait time.Duration
		switch {
		case err != nil:
			if errors.Is(context.Cause(ctx), errTimedOut) {
				return nil, &reader.LMError{Code: reader.CodeLMTimeout, Message: fmt.Sprintf("no answer within %s", c.cfg.Timeout)}
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = &reader.LMError{Code: reader.CodeLMUnreachable, Message: fmt.Sprintf("cannot reach LM server at %s: %v", c.base, rootCause(err))}
		case resp.StatusCode == http.StatusOK:
			return resp, nil
		default:
			last = classify(resp)
			retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
			wait = retryAfter(resp.Header.Get("Retry-After"))
			resp.Body.Close()
			if !retryable {
				return nil, last
			}
		}
		if attempt >= c.cfg.MaxRetries {
			return nil, last
		}
		if wait == 0 {
			backoff := 200 * time.Millisecond << attempt
			wait = backoff/2 + time.Duration(rand.Int64N(int64(backoff)))
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, last
		}
	}
}

func rootCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	return err
}

// retryAfter reads a Retry-After header in seconds, capped at 10 s so a
// hostile or confused server cannot park a request.
func retryAfter(h string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || s < 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, 10*time.Second)
}

// classify turns an error response into an LMError with a stable code.
func classify(resp *http.Response) *reader.LMError {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	msg := strings.TrimSpace(string(b))
	var r response
	if json.Unmarshal(b, &r) == nil && r.Error != nil && r.Error.Message != "" {
		msg = r.Error.Message
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	low := strings.ToLower(msg)
	code := reader.CodeLMError
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		code = reader.CodeLMRateLimited
	case strings.Contains(low, "context length") || strings.Contains(low, "context_length") ||
		strings.Contains(low, "maximum context") || strings.Contains(low, "too many tokens") ||
		strings.Contains(low, "exceeds the context"):
		code = reader.CodeLMContextOverflow
	case resp.StatusCode == http.StatusNotFound && strings.Contains(low, "model"),
		strings.Contains(low, "model") && (strings.Contains(low, "not found") || strings.Contains(low, "does not exist")):
		code = reader.CodeLMUnknownModel
	}
	return &reader.LMError{Code: code, Status: resp.StatusCode, Message: msg}
}

func (c *Client) readJSON(body io.Reader, g *reader.Generation) error {
	var r response
	if err := json.NewDecoder(io.LimitReader(body, 16<<20)).Decode(&r); err != nil {
		return &reader.LMError{Code: reader.CodeLMBadResponse, Message: "response is not JSON: " + err.Error()}
	}
	if r.Error != nil {
		return &reader.LMError{Code: reader.CodeLMError, Message: r.Error.Message}
	}
	if len(r.Choices) == 0 {
		return &reader.LMError{Code: reader.CodeLMBadResponse, Message: "response has no choices"}
	}
	// Choices come back in index order on every known server; sort anyway
	// so that sample i is always the same one.
	sort.SliceStable(r.Choices, func(i, j int) bool { return r.Choices[i].Index < r.Choices[j].Index })
	g.Choices = g.Choices[:0]
	for _, ch := range r.Choices {
		switch {
		case ch.Message != nil:
			g.Choices = append(g.Choices, ch.Message.Content)
		case ch.Text != nil:
			g.Choices = append(g.Choices, *ch.Text)
		default:
			return &reader.LMError{Code: reader.CodeLMBadResponse, Message: "choice has neither message nor text"}
		}
	}
	g.Text = g.Choices[0]
	if ch := r.Choices[0]; ch.FinishReason != nil {
		g.FinishReason = *ch.FinishReason
	}
	if r.Usage != nil {
		g.PromptTokens, g.CompletionTokens = r.Usage.PromptTokens, r.Usage.CompletionTokens
	}
	return nil
}

// errTimedOut ends a request that waited longer than Config.Timeout.
var errTimedOut = errors.New("LM timeout")

// readStream consumes server-sent events: "data: {json}" lines ending with
// "data: [DONE]". A stream that ends without [DONE] or a finish reason was
// cut off and is an error, so a partial answer is never taken as final.
// alive is called at each event.
func (c *Client) readStream(ctx context.Context, body io.Reader, g *reader.Generation, alive func()) error {
	var text strings.Builder
	done := false
	err := eachEvent(body, func(data string) error {
		alive()
		if data == "[DONE]" {
			done = true
			return errStop
		}
		var r response
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return &reader.LMError{Code: reader.CodeLMBadResponse, Message: "malformed stream event: " + err.Error()}
		}
		if r.Error != nil {
			return &reader.LMError{Code: reader.CodeLMError, Message: r.Error.Message}
		}
		if r.Usage != nil {
			g.PromptTokens, g.CompletionTokens = r.Usage.PromptTokens, r.Usage.CompletionTokens
		}
		for _, ch := range r.Choices {
			var d string
			switch {
			case ch.Delta != nil:
				d = ch.Delta.Content
			case ch.Text != nil:
				d = *ch.Text
			}
			if ch.FinishReason != nil && *ch.FinishReason != "" {
				g.FinishReason = *ch.FinishReason
			}
			if d == "" {
				continue
			}
			text.WriteString(d)
			if err := g.OnDelta(d); err != nil {
				return err
			}
		}
		return nil
	})
	g.Text = text.String()
	if err != nil && err != errStop {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var le *reader.LMError
		if errors.As(err, &le) {
			return err
		}
		return &reader.LMError{Code: reader.CodeLMBadResponse, Message: "stream broken: " + err.Error()}
	}
	if !done && g.FinishReason == "" {
		return &reader.LMError{Code: reader.CodeLMBadResponse, Message: "stream ended before the answer was complete"}
	}
	return nil
}
