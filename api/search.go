package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/retriever"
)

// SearchRequest is the body of POST /v1/search.
type SearchRequest struct {
	Query      string            `json:"query"`
	Collection string            `json:"collection,omitempty"`
	Retrieval  string            `json:"retrieval,omitempty"`
	K          int               `json:"k,omitempty"`
	Documents  []string          `json:"documents,omitempty"`
	Metadata   map[string]Values `json:"metadata,omitempty"`
	Rerank     *bool             `json:"rerank,omitempty"`
}

// SearchResponse lists ranked passages.
type SearchResponse struct {
	Query      string                `json:"query"`
	Collection string                `json:"collection"`
	Retrieval  string                `json:"retrieval"`
	Results    []retriever.Candidate `json:"results"`
	Degraded   []string              `json:"degraded,omitempty"`
	Reranked   bool                  `json:"reranked"`
	TookMS     float64               `json:"took_ms"`
}

func (s *Server) handleSearch(c *gin.Context) {
	var body SearchRequest
	if err := decodeJSON(c, s.limits().MaxBody, &body); err != nil {
		fail(c, err)
		return
	}
	ask := AskRequest{Question: body.Query, Collection: body.Collection, Retrieval: body.Retrieval, K: body.K, Documents: body.Documents, Metadata: body.Metadata, Rerank: body.Rerank}
	req, err := s.validate(c, &ask)
	if err != nil {
		if ae, ok := err.(*apiError); ok && ae.body.Code == "empty_question" {
			err = badRequest("empty_query", "query is empty")
		}
		fail(c, err)
		return
	}
	start := time.Now()
	rt, err := s.Reader.Retrieve(c.Request.Context(), req)
	if err != nil {
		fail(c, err)
		return
	}
	s.Metrics.stage("retrieve", float64(time.Since(start).Microseconds())/1000-rt.RerankMS)
	if rt.Reranked {
		s.Metrics.stage("rerank", rt.RerankMS)
	}
	if rt.Candidates == nil {
		rt.Candidates = []retriever.Candidate{}
	}
	if len(rt.Degraded) > 0 {
		c.Set(degradedKey, rt.Degraded)
	}
	c.JSON(http.StatusOK, SearchResponse{Query: req.Question, Collection: req.Collection, Retrieval: rt.Mode,
		Results: rt.Candidates, Degraded: rt.Degraded, Reranked: rt.Reranked, TookMS: float64(time.Since(start).Microseconds()) / 1000})
}
