// Package openaitest is a local OpenAI-compatible server for tests: it
// answers /v1/chat/completions and /v1/completions, streaming or not, and
// can be told to fail. Its "model" copies the first sentence of the first
// passage in the prompt and cites it as [1]: deterministic text that
// exercises streaming and citations. It says nothing about answer quality.
package openaitest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running test LM.
type Server struct {
	*httptest.Server
	Model string

	mu sync.Mutex
	// failSkip requests pass before the next failNext fail with failStatus.
	failSkip   int
	failNext   int
	failStatus int
	failBody   string
	// Delay holds every answer back, to test timeouts.
	delay time.Duration
	// pace is the time between streamed pieces (default 15ms).
	pace time.Duration
	// CutStream ends streams before [DONE], to test broken streams.
	cutStream bool
	// Malformed answers with a body that is not JSON.
	malformed bool
	// ignoreN answers one choice whatever n asks, as llama.cpp and Ollama do.
	ignoreN   bool
	responder func(prompt string, sample int) string
	lastN     int

	Requests atomic.Int64
	// LastPrompt is the text of the last prompt received.
	lastPrompt string
}

// New starts a test LM serving model.
func New(model string) *Server {
	s := &Server{Model: model}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// Handler returns the server's handler, to mount on another listener.
func NewHandler(model string) (http.Handler, *Server) {
	s := &Server{Model: model}
	return http.HandlerFunc(s.handle), s
}

// Fail makes the next n requests answer status with body.
func (s *Server) Fail(n, status int, body string) { s.FailAfter(0, n, status, body) }

// FailAfter lets skip requests through, then makes n answer status with body.
func (s *Server) FailAfter(skip, n, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failSkip, s.failNext, s.failStatus, s.failBody = skip, n, status, body
}

// SetIgnoreN makes the server answer one choice whatever n asks for.
func (s *Server) SetIgnoreN(v bool) { s.mu.Lock(); s.ignoreN = v; s.mu.Unlock() }

// SetResponder replaces the model: f gives the text of sample i (0 for
// single answers and for each of N separate calls) to a prompt. Nil
// restores Answer.
func (s *Server) SetResponder(f func(prompt string, sample int) string) {
	s.mu.Lock()
	s.responder = f
	s.mu.Unlock()
}

// LastN returns the n parameter of the last request (0 when absent).
func (s *Server) LastN() int { s.mu.Lock(); defer s.mu.Unlock(); return s.lastN }

// SetDelay delays every answer by d.
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// SetPace sets the time between streamed pieces of an answer, to test a
// slow LM (0: the default 15ms).
func (s *Server) SetPace(d time.Duration) { s.mu.Lock(); s.pace = d; s.mu.Unlock() }

// SetCutStream makes streams end without finishing.
func (s *Server) SetCutStream(v bool) { s.mu.Lock(); s.cutStream = v; s.mu.Unlock() }

// SetMalformed makes answers invalid JSON.
func (s *Server) SetMalformed(v bool) { s.mu.Lock(); s.malformed = v; s.mu.Unlock() }

// LastPrompt returns the last prompt text received.
func (s *Server) LastPrompt() string { s.mu.Lock(); defer s.mu.Unlock(); return s.lastPrompt }

type request struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Prompt      string  `json:"prompt"`
	Stream      bool    `json:"stream"`
	N           int     `json:"n"`
	Temperature float64 `json:"temperature"`
}

var (
	firstPassage   = regexp.MustCompile(`(?s)<passage id="1"[^>]*>\n(.*?)\n</passage>`)
	firstCandidate = regexp.MustCompile(`<candidate n="1"[^>]*>(.*?)</candidate>`)
)

// Answer is what the test model says to a prompt: the first candidate
// answer when the prompt lists some, else the first sentence of the last
// prompt's passage 1.
func Answer(prompt string) string {
	if m := firstCandidate.FindStringSubmatch(prompt); m != nil {
		return html.UnescapeString(m[1]) + " [1]"
	}
	if i := strings.LastIndex(prompt, "Passages:\n"); i >= 0 {
		prompt = prompt[i:] // after any demonstrations
	}
	m := firstPassage.FindStringSubmatch(prompt)
	if m == nil {
		return "I don't know."
	}
	text := strings.TrimSpace(m[1])
	if i := strings.Index(text, ". "); i > 0 {
		text = text[:i+1]
	}
	return text + " [1]"
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	s.mu.Lock()
	fail := s.failSkip == 0 && s.failNext > 0
	status, body := s.failStatus, s.failBody
	switch {
	case s.failSkip > 0:
		s.failSkip--
	case fail:
		s.failNext--
	}
	delay, cut, malformed, ignoreN, respond, pace := s.delay, s.cutStream, s.malformed, s.ignoreN, s.responder, s.pace
	s.mu.Unlock()
	if respond == nil {
		respond = func(p string, _ int) string { return Answer(p) }
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail {
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
		return
	}
	chat := strings.HasSuffix(r.URL.Path, "/v1/chat/completions")
	if !chat && !strings.HasSuffix(r.URL.Path, "/v1/completions") {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	var req request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	if req.Model != s.Model {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"message":"The model '%s' does not exist","type":"invalid_request_error","code":"model_not_found"}}`, req.Model)
		return
	}
	prompt := req.Prompt
	for _, m := range req.Messages {
		prompt += m.Content + "\n"
	}
	s.mu.Lock()
	s.lastPrompt, s.lastN = prompt, req.N
	s.mu.Unlock()
	if req.N > 1 && req.Stream {
		http.Error(w, `{"error":{"message":"n > 1 cannot stream"}}`, http.StatusBadRequest)
		return
	}
	answer := respond(prompt, 0)
	promptTokens, completionTokens := len(strings.Fields(prompt)), len(strings.Fields(answer))
	if malformed {
		fmt.Fprint(w, "<html>gateway error</html>")
		return
	}
	if !req.Stream {
		n := max(req.N, 1)
		if ignoreN {
			n = 1
		}
		choices := make([]any, n)
		completionTokens = 0
		for i := range choices {
			text := respond(prompt, i)
			completionTokens += len(strings.Fields(text))
			choice := map[string]any{"index": i, "finish_reason": "stop"}
			if chat {
				choice["message"] = map[string]string{"role": "assistant", "content": text}
			} else {
				choice["text"] = text
			}
			choices[i] = choice
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "test", "object": "chat.completion", "model": s.Model, "choices": choices,
			"usage": map[string]int{"prompt_tokens": promptTokens, "completion_tokens": completionTokens},
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	words := strings.SplitAfter(answer, " ")
	for i, word := range words {
		if cut && i == len(words)/2 {
			return
		}
		choice := map[string]any{"index": 0}
		if chat {
			choice["delta"] = map[string]string{"content": word}
		} else {
			choice["text"] = word
		}
		b, _ := json.Marshal(map[string]any{"choices": []any{choice}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
		if pace <= 0 {
			pace = 15 * time.Millisecond // about the pace of a real LM
		}
		select {
		case <-time.After(pace):
		case <-r.Context().Done():
			return
		}
	}
	b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{}, "finish_reason": "stop"}},
		"usage": map[string]int{"prompt_tokens": promptTokens, "completion_tokens": completionTokens}})
	fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", b)
}
