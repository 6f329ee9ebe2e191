package api

import (
	_ "embed"

	"github.com/gin-gonic/gin"
)

// openAPISpec describes every route; tests check it against the routes
// and against real responses.
//
//go:embed openapi.json
var openAPISpec []byte

func (s *Server) handleOpenAPI(c *gin.Context) {
	c.Data(200, "application/json", openAPISpec)
}
