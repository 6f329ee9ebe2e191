package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
)

// AskRequest is the body of POST /v1/ask.
type AskRequest struct {
	Question   string `json:"question"`
	Collection string `json:"collection,omitempty"`
	Retrieval  string `json:"retrieval,omitempty"`
	K          int    `json:"k,omitempty"`
	// Documents limits the question to these document IDs; an entry
	// ending in "*" is a prefix ("handbook/*").
	Documents []string `json:"documents,omitempty"`
	// Metadata limits it to documents whose metadata holds, for every
	// key, its value or one of its values.
	Metadata map[string]Values `json:"metadata,omitempty"`
	Budget   int               `json:"budget,omitempty"`
	Policy   string            `json:"policy,omitempty"`
	// Rerank turns the re-ranker on or off; default on when a model is loaded.
	Rerank *bool `json:"rerank,omitempty"`
	// Recursion reads the context again: {"mode": "vote"|"textual", "samples": N}.
	Recursion *reader.Recursion `json:"recursion,omitempty"`
	// Demos puts worked examples first: {"pool": NAME, "k": K, "share": 0.25}.
	Demos *reader.Demos `json:"demos,omitempty"`
}

// validate checks the request and fills its defaults.
func (s *Server) validate(c *gin.Context, q *AskRequest) (reader.Request, error) {
	l := s.limits()
	q.Question = strings.TrimSpace(q.Question)
	switch {
	case q.Question == "":
		return reader.Request{}, badRequest("empty_question", "question is empty")
	case len(q.Question) > l.MaxQuestion:
		return reader.Request{}, badRequest("question_too_long", fmt.Sprintf("question is %d bytes; the limit is %d", len(q.Question), l.MaxQuestion))
	case !utf8.ValidString(q.Question):
		return reader.Request{}, badRequest("invalid_question", "question is not valid UTF-8")
	case q.K < 0 || q.K > l.MaxK:
		return reader.Request{}, badRequest("invalid_k", fmt.Sprintf("k must be between 1 and %d", l.MaxK))
	case q.Budget < 0 || q.Budget > l.MaxBudget:
		return reader.Request{}, badRequest("invalid_budget", fmt.Sprintf("budget must be between 1 and %d tokens", l.MaxBudget))
	}
	f, err := filter(q.Documents, q.Metadata)
	if err != nil {
		return reader.Request{}, err
	}
	col, err := s.collectionName(c, q.Collection)
	if err != nil {
		return reader.Request{}, err
	}
	pol, err := reader.ParsePolicy(q.Policy)
	if err != nil {
		return reader.Request{}, badRequest("invalid_policy", err.Error())
	}
	req := reader.Request{Question: q.Question, Collection: col, Retrieval: q.Retrieval, K: q.K, Filter: f, Budget: q.Budget, Policy: pol, Rerank: q.Rerank}
	if q.Recursion != nil {
		if err := q.Recursion.Validate(); err != nil {
			return reader.Request{}, badRequest("invalid_recursion", err.Error())
		}
		req.Recursion = *q.Recursion
	}
	if q.Demos != nil {
		if err := q.Demos.Validate(); err != nil {
			return reader.Request{}, badRequest("invalid_demos", err.Error())
		}
		if q.Demos.Pool != "" {
			if err := corpus.ValidateCollection(q.Demos.Pool); err != nil {
				return reader.Request{}, badRequest("invalid_demos", "pool: "+err.Error())
			}
			if _, err := s.collectionName(c, q.Demos.Pool); err != nil {
				return reader.Request{}, err
			}
		}
		req.Demos = *q.Demos
	}
	return req, nil
}

// handleAsk answers a question as JSON, or as Server-Sent Events when the
// client accepts text/event-stream: "token" events with the answer as it
// is written, then one "answer" event with the complete answer (citations,
// packed passages, timing), or an "error" event.
func (s *Server) handleAsk(c *gin.Context) {
	var body AskRequest
	if err := decodeJSON(c, s.limits().MaxBody, &body); err != nil {
		fail(c, err)
		return
	}
	req, err := s.validate(c, &body)
	if err != nil {
		fail(c, err)
		return
	}
	if !strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		a, err := s.Reader.Ask(c.Request.Context(), req)
		if err != nil {
			s.Metrics.failed(err)
			fail(c, err)
			return
		}
		s.answered(c, a)
		c.JSON(http.StatusOK, a)
		return
	}
	s.streamAsk(c, req)
}

// streamAsk answers as Server-Sent Events. The stream starts with the
// first event: a request that fails before anything was sent (no such
// collection, an unknown retrieval mode, an LM that cannot be reached with
// the fallback off) gets the status and JSON body that a plain request
// would, so clients can tell a refusal from a stream cut short.
func (s *Server) streamAsk(c *gin.Context, req reader.Request) {
	started := false
	start := func() {
		if started {
			return
		}
		started = true
		h := c.Writer.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // let reverse proxies pass tokens through
		c.Status(http.StatusOK)
	}
	req.OnDelta = func(d string) error {
		start()
		c.SSEvent("token", gin.H{"text": d})
		c.Writer.Flush()
		return c.Request.Context().Err()
	}
	a, err := s.Reader.Ask(c.Request.Context(), req)
	if err != nil {
		s.Metrics.failed(err)
		if !started {
			fail(c, err)
			return
		}
		c.Set(errorKey, err.Error())
		c.SSEvent("error", errorBody{classify(err).body})
	} else {
		start()
		s.answered(c, a)
		c.SSEvent("answer", a)
	}
	c.SSEvent("done", gin.H{})
	c.Writer.Flush()
}

// answered records an answer in the metrics and, when parts of the
// pipeline failed, in the request's log line.
func (s *Server) answered(c *gin.Context, a *reader.Answer) {
	s.Metrics.answered(a)
	if len(a.Degraded) > 0 {
		c.Set(degradedKey, a.Degraded)
	}
	if a.LMError != nil {
		c.Set(errorKey, "answered with evidence: "+a.LMError.Error())
	}
}

// Values is a metadata filter's values for one key: a string, or a list
// of strings any one of which will do.
type Values []string

// UnmarshalJSON accepts a string or a list of strings.
func (v *Values) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*v = Values{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("a metadata value must be a string or a list of strings")
	}
	*v = many
	return nil
}

// filter checks a request's documents and metadata filters.
func filter(docs []string, meta map[string]Values) (index.Filter, error) {
	f := index.Filter{Docs: docs}
	if err := f.Validate(); err != nil {
		return f, badRequest("invalid_documents", err.Error())
	}
	if len(meta) > 0 {
		f.Metadata = make(map[string][]string, len(meta))
		for k, v := range meta {
			f.Metadata[k] = v
		}
	}
	if err := (index.Filter{Metadata: f.Metadata}).Validate(); err != nil {
		return f, badRequest("invalid_metadata", err.Error())
	}
	return f, nil
}
