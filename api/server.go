package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
)

// Limits bound what one request may ask for.
type Limits struct {
	MaxBody     int64 // JSON request body, bytes
	MaxUpload   int64 // multipart upload, bytes
	MaxQuestion int   // question length, bytes
	MaxK        int   // candidates per request
	MaxBudget   int   // token budget per request
}

// DefaultLimits are generous for people and tight enough for a shared server.
var DefaultLimits = Limits{
	MaxBody:     8 << 20,
	MaxUpload:   64 << 20,
	MaxQuestion: 2000,
	MaxK:        1000,
	MaxBudget:   1 << 20,
}

// A Server serves the Shoulders API.
type Server struct {
	Reader   *reader.Reader
	Store    *index.Store
	Ingester *index.Ingester
	Log      *slog.Logger
	Limits   Limits
	// Synced keeps the vector index in step; nil when it is off.
	Synced *index.Synced
	// Vectors is checked by /readyz when set.
	Vectors interface{ Ready(context.Context) error }
	// Feedback stores votes from the UI; nil refuses them.
	Feedback *FeedbackLog
	// UI, when set, is served at / (the embedded web interface).
	UI http.Handler
}

// writer is where a collection's documents are written.
func (s *Server) writer(c *index.Collection) index.Writer {
	if s.Synced == nil {
		return c
	}
	return s.Synced.Writer(c)
}

func (s *Server) limits() Limits {
	l := s.Limits
	d := DefaultLimits
	if l.MaxBody <= 0 {
		l.MaxBody = d.MaxBody
	}
	if l.MaxUpload <= 0 {
		l.MaxUpload = d.MaxUpload
	}
	if l.MaxQuestion <= 0 {
		l.MaxQuestion = d.MaxQuestion
	}
	if l.MaxK <= 0 {
		l.MaxK = d.MaxK
	}
	if l.MaxBudget <= 0 {
		l.MaxBudget = d.MaxBudget
	}
	return l
}

// Handler builds the Gin engine with every route.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.UseRawPath = true // document IDs may hold encoded slashes
	r.UnescapePathValues = true
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverer(), s.logger())
	r.NoRoute(func(c *gin.Context) {
		if s.UI != nil && c.Request.Method == http.MethodGet && !strings.HasPrefix(c.Request.URL.Path, "/v1/") {
			s.UI.ServeHTTP(c.Writer, c.Request)
			return
		}
		c.JSON(http.StatusNotFound, errorBody{Error{"not_found", "no route " + c.Request.Method + " " + c.Request.URL.Path}})
	})
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, errorBody{Error{"method_not_allowed", c.Request.Method + " is not allowed on " + c.Request.URL.Path}})
	})

	r.GET("/healthz", s.handleHealth)
	r.GET("/readyz", s.handleReady)
	v1 := r.Group("/v1")
	v1.POST("/ask", s.handleAsk)
	v1.POST("/search", s.handleSearch)
	v1.POST("/documents", s.handleIngest)
	v1.GET("/documents", s.handleListDocuments)
	v1.GET("/documents/*id", s.handleGetDocument)
	v1.DELETE("/documents/*id", s.handleDeleteDocument)
	v1.GET("/collections", s.handleCollections)
	v1.GET("/config", s.handleConfig)
	v1.POST("/feedback", s.handleFeedback)
	return r
}

func (s *Server) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Server) recoverer() gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, rec any) {
		s.log().Error("panic", "path", c.Request.URL.Path, "panic", rec)
		c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{Error{"internal", "internal error"}})
	})
}

func (s *Server) logger() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		s.log().Info("request", "method", c.Request.Method, "path", c.Request.URL.Path,
			"status", c.Writer.Status(), "ms", float64(time.Since(start).Microseconds())/1000)
	}
}

// collection resolves the request's collection name, defaulting it.
func collectionName(name string) (string, error) {
	if name == "" {
		return corpus.DefaultCollection, nil
	}
	if err := corpus.ValidateCollection(name); err != nil {
		return "", badRequest("invalid_collection", err.Error())
	}
	return name, nil
}
