package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/reader"
)

func (s *Server) handleHealth(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// handleReady reports whether the service can answer: the index opens,
// and which answer mode is in force.
func (s *Server) handleReady(c *gin.Context) {
	checks := gin.H{}
	ready := true
	status := "ready"
	cols, err := s.Store.Collections()
	if err != nil {
		checks["index"] = err.Error()
		ready = false
	} else {
		checks["index"] = "ok"
		checks["collections"] = len(cols)
	}
	if s.Vectors != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		err := s.Vectors.Ready(ctx)
		cancel()
		vec := gin.H{"weaviate": "ok"}
		if err != nil {
			vec["weaviate"] = "unavailable: " + err.Error() + " (searches answer from BM25)"
			status = "degraded"
		}
		if s.Synced != nil {
			out := gin.H{}
			for name, st := range s.Synced.Status() {
				out[name] = st
				if !st.InSync {
					status = "degraded"
				}
			}
			vec["collections"] = out
		}
		checks["vectors"] = vec
	}
	if s.Reader.LM == nil {
		checks["lm"] = "not configured: evidence answers"
	} else {
		checks["lm"] = "configured: " + s.Reader.LM.Model()
	}
	code := http.StatusOK
	if !ready {
		status, code = "not_ready", http.StatusServiceUnavailable
	}
	c.JSON(code, gin.H{"status": status, "checks": checks})
}

// handleConfig tells clients what this server offers: retrieval modes,
// whether an LM and a re-ranker are configured, and the limits.
func (s *Server) handleConfig(c *gin.Context) {
	lm := ""
	if s.Reader.LM != nil {
		lm = s.Reader.LM.Model()
	}
	l := s.limits()
	_, _, pools, err := s.collections(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"recursion": gin.H{"modes": []reader.RecursionMode{reader.RecursionOff, reader.RecursionVote, reader.RecursionTextual},
			"default_samples": reader.DefaultSamples, "max_samples": reader.MaxSamples},
		"demo_pools":        pools,
		"retrieval_modes":   s.Reader.Modes(),
		"default_retrieval": s.Reader.DefaultRetrieval,
		"lm":                lm,
		"reranker":          s.Reader.Reranker != nil,
		"limits":            gin.H{"max_k": l.MaxK, "max_budget": l.MaxBudget, "max_question": l.MaxQuestion, "max_upload": l.MaxUpload, "max_body": l.MaxBody},
	})
}
