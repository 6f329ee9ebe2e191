package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
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
	Path    string
	mu      sync.Mutex
	checked bool // the tail was checked for an unfinished record
}

func (l *FeedbackLog) append(rec any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if !l.checked {
		if err := trimTornTail(l.Path); err != nil {
			return err
		}
		l.checked = true
	}
	f, err := os.OpenFile(l.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// trimTornTail cuts a record left unfinished by a crash (never
// acknowledged) from the end of the log, so the next one starts a line of
// its own rather than joining it.
func trimTornTail(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	// Read back block by block to the last newline: whole records end
	// there.
	end := st.Size()
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, end-1); err != nil || last[0] == '\n' {
		return err
	}
	const block = 64 << 10
	buf := make([]byte, block)
	keep := int64(0)
	for pos := end; pos > 0 && keep == 0; {
		start := max(0, pos-block)
		b := buf[:pos-start]
		if _, err := f.ReadAt(b, start); err != nil {
			return err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			keep = start + int64(i) + 1
		}
		pos = start
	}
	if err := f.Truncate(keep); err != nil {
		return err
	}
	return f.Sync()
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
