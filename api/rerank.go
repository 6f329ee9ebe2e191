package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/corpus"
)

// RerankRequest is the body of POST /v1/rerank, in the shape of the
// re-rank APIs of Jina, Cohere and vLLM, so that their clients can use
// Shoulders' re-ranker on their own search results.
type RerankRequest struct {
	// Model is accepted because those clients send one; the server's
	// re-ranker model answers whatever it names.
	Model     string           `json:"model,omitempty"`
	Query     string           `json:"query"`
	Documents []RerankDocument `json:"documents"`
	// Collection, when set, gives the word statistics: how many of its
	// passages hold each query word. Without it, the documents' own.
	Collection string `json:"collection,omitempty"`
	// TopN keeps the best N results (default: all).
	TopN            int  `json:"top_n,omitempty"`
	ReturnDocuments bool `json:"return_documents,omitempty"`
}

// A RerankDocument is a text, with a title when the caller has one. In a
// request it may also be a plain JSON string.
type RerankDocument struct {
	Text  string `json:"text"`
	Title string `json:"title,omitempty"`
}

// UnmarshalJSON takes a string or an object.
func (d *RerankDocument) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	switch {
	case len(t) > 0 && t[0] == '"':
		*d = RerankDocument{}
		return json.Unmarshal(t, &d.Text)
	case len(t) == 0 || t[0] != '{':
		return errors.New(`a document is a string or an object {"text", "title"}`)
	}
	type plain RerankDocument
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(d))
}

// RerankResponse lists the documents best first.
type RerankResponse struct {
	Model   string         `json:"model"`
	Results []RerankResult `json:"results"`
	TookMS  float64        `json:"took_ms"`
}

// A RerankResult is one document's place.
type RerankResult struct {
	// Index is the document's place in the request, from 0.
	Index int `json:"index"`
	// RelevanceScore is the re-ranker's probability that this document,
	// of those sent, is the one that answers the query.
	RelevanceScore float64 `json:"relevance_score"`
	// Score is the model's raw score, comparable within one request.
	Score float64 `json:"score"`
	// Excerpt is the sentence that answers the query best, for a
	// document of several sentences one of which holds a query word.
	Excerpt  string          `json:"excerpt,omitempty"`
	Document *RerankDocument `json:"document,omitempty"`
}

// rerankModel names the model in responses.
const rerankModel = "shoulders-reranker"

func (s *Server) handleRerank(c *gin.Context) {
	var body RerankRequest
	if err := decodeJSON(c, s.limits().MaxBody, &body); err != nil {
		fail(c, err)
		return
	}
	if err := s.checkRerank(&body); err != nil {
		fail(c, err)
		return
	}
	if body.Collection != "" {
		// Its statistics are read, so the key must reach it.
		name, err := s.collectionName(c, body.Collection)
		if err != nil {
			fail(c, err)
			return
		}
		body.Collection = name
	}
	start := time.Now()
	ps := make([]corpus.Passage, len(body.Documents))
	for i, d := range body.Documents {
		ps[i] = corpus.Passage{Title: d.Title, Text: d.Text}
	}
	out, err := s.Reader.RerankPassages(c.Request.Context(), s.Store, body.Collection, body.Query, ps)
	if err != nil {
		fail(c, err)
		return
	}
	took := float64(time.Since(start).Microseconds()) / 1000
	s.Metrics.stage("rerank", took)
	n := len(out)
	if body.TopN > 0 {
		n = min(n, body.TopN)
	}
	res := RerankResponse{Model: rerankModel, Results: make([]RerankResult, n), TookMS: took}
	for k, cand := range out[:n] {
		i, _ := strconv.Atoi(cand.Passage.ID)
		r := RerankResult{Index: i, RelevanceScore: cand.Chance, Score: cand.Score}
		if len(cand.Excerpts) > 0 {
			r.Excerpt = cand.Excerpts[len(cand.Excerpts)-1]
		}
		if body.ReturnDocuments {
			r.Document = &body.Documents[i]
		}
		res.Results[k] = r
	}
	c.JSON(http.StatusOK, res)
}

// checkRerank applies the limits of a question to the query and those of
// k candidates to the documents.
func (s *Server) checkRerank(b *RerankRequest) error {
	l := s.limits()
	switch {
	case strings.TrimSpace(b.Query) == "":
		return badRequest("empty_query", "query is empty")
	case len(b.Query) > l.MaxQuestion:
		return badRequest("query_too_long", fmt.Sprintf("query is %d bytes; the limit is %d", len(b.Query), l.MaxQuestion))
	case len(b.Documents) == 0:
		return badRequest("no_documents", "documents is empty; send the texts to re-rank")
	case len(b.Documents) > l.MaxK:
		return badRequest("too_many_documents", fmt.Sprintf("%d documents; the limit is %d", len(b.Documents), l.MaxK))
	case b.TopN < 0:
		return badRequest("invalid_top_n", "top_n must not be negative")
	}
	for i, d := range b.Documents {
		if strings.TrimSpace(d.Text) == "" {
			return badRequest("empty_document", fmt.Sprintf("document %d has no text", i))
		}
	}
	return nil
}
