package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/internal/appendlog"
)

// FeedbackRequest is the body of POST /v1/feedback: a vote on an answer,
// or on whether one passage helped. Stored for later re-ranker training.
type FeedbackRequest struct {
	Kind       string `json:"kind"` // "answer" or "passage"
	Helpful    bool   `json:"helpful"`
	Question   string `json:"question"`
	Collection string `json:"collection,omitempty"`
	Answer     string `json:"answer,omitempty"`
	PassageID  string `json:"passage_id,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// FeedbackLog appends feedback records to a JSONL file, synced to disk
// before the request is acknowledged.
type FeedbackLog struct {
	Path string
	mu   sync.Mutex
}

func (l *FeedbackLog) append(rec any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = appendlog.Append(l.Path, append(b, '\n'))
	return err
}

func (s *Server) handleFeedback(c *gin.Context) {
	if s.Feedback == nil {
		fail(c, &apiError{http.StatusNotImplemented, Error{"feedback_off", "this server does not store feedback"}})
		return
	}
	var body FeedbackRequest
	if err := decodeJSON(c, 64<<10, &body); err != nil {
		fail(c, err)
		return
	}
	switch {
	case body.Kind != "answer" && body.Kind != "passage":
		fail(c, badRequest("invalid_kind", `kind must be "answer" or "passage"`))
		return
	case strings.TrimSpace(body.Question) == "":
		fail(c, badRequest("empty_question", "question is empty"))
		return
	case body.Kind == "passage" && body.PassageID == "":
		fail(c, badRequest("missing_passage_id", "passage feedback needs passage_id"))
		return
	}
	col, err := s.collectionName(c, body.Collection)
	if err != nil {
		fail(c, err)
		return
	}
	body.Collection = col
	rec := struct {
		Time time.Time `json:"time"`
		FeedbackRequest
	}{time.Now().UTC(), body}
	if err := s.Feedback.append(rec); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"stored": true})
}
