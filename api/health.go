package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) handleHealth(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// handleReady reports whether the service can answer: the index opens,
// and which answer mode is in force.
func (s *Server) handleReady(c *gin.Context) {
	checks := gin.H{}
	ready := true
	cols, err := s.Store.Collections()
	if err != nil {
		checks["index"] = err.Error()
		ready = false
	} else {
		checks["index"] = "ok"
		checks["collections"] = len(cols)
	}
	if s.Reader.LM == nil {
		checks["lm"] = "not configured: evidence answers"
	} else {
		checks["lm"] = "configured: " + s.Reader.LM.Model()
	}
	status, code := "ready", http.StatusOK
	if !ready {
		status, code = "not_ready", http.StatusServiceUnavailable
	}
	c.JSON(code, gin.H{"status": status, "checks": checks})
}

func (s *Server) handleCollections(c *gin.Context) {
	cols, err := s.Store.Collections()
	if err != nil {
		fail(c, err)
		return
	}
	if cols == nil {
		cols = []string{}
	}
	c.JSON(http.StatusOK, gin.H{"collections": cols})
}
