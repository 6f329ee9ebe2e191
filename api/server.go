package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
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
	// Auth sets API keys and rate limits.
	Auth Auth
	// CORSOrigins may call the API from a browser page of theirs.
	CORSOrigins []string
	// Metrics, when set, counts requests and pipeline stages and is
	// served at /metrics.
	Metrics *Metrics
	// Backups, when set, takes backups at POST /v1/admin/backups.
	Backups *Backups
	// DefaultCollection serves requests that name none ("default" if empty).
	DefaultCollection string
}

// writer is where a collection's documents are written: the collection
// of that name, created when needed. A write that finds the collection
// deleted under it (DELETE /v1/collections/NAME while the upload ran)
// goes to the new collection of that name, as if sent just after the
// delete, which is where it belongs: the delete was acknowledged first.
func (s *Server) writer(name string) index.Writer {
	return &namedWriter{s: s, name: name}
}

type namedWriter struct {
	s    *Server
	name string
	col  *index.Collection
}

func (w *namedWriter) Upsert(ctx context.Context, entries []index.Entry) error {
	// A batch that meets a deleted collection wrote nothing: Bleve
	// batches are whole, and a delete waits for writes under way.
	for try := 0; ; try++ {
		if w.col == nil {
			col, err := w.s.Store.Collection(w.name, true)
			if err != nil {
				return err
			}
			w.col = col
		}
		var err error
		if w.s.Synced == nil {
			err = w.col.Upsert(ctx, entries)
		} else {
			err = w.s.Synced.Writer(w.col).Upsert(ctx, entries)
		}
		if err == nil || !index.Deleted(err) || try == 2 {
			return err
		}
		w.col = nil
	}
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
	r.Use(s.requestID(), s.recoverer(), s.logger(), s.measure(), corsFor(s.CORSOrigins))
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
	r.GET("/openapi.json", s.handleOpenAPI)
	auth := s.authenticate()
	if s.Metrics != nil {
		r.GET("/metrics", auth, require(ScopeAdmin), s.Metrics.handler())
	}
	v1 := r.Group("/v1", auth)
	query, ingest := require(ScopeQuery), require(ScopeIngest)
	v1.POST("/ask", query, s.handleAsk)
	v1.POST("/search", query, s.handleSearch)
	v1.POST("/rerank", query, s.handleRerank)
	v1.POST("/documents", ingest, s.handleIngest)
	v1.GET("/documents", query, s.handleListDocuments)
	v1.GET("/documents/*id", query, s.handleGetDocument)
	v1.DELETE("/documents/*id", ingest, s.handleDeleteDocument)
	v1.GET("/collections", query, s.handleCollections)
	v1.DELETE("/collections/:name", ingest, s.handleDeleteCollection)
	v1.GET("/config", query, s.handleConfig)
	v1.POST("/feedback", query, s.handleFeedback)
	v1.POST("/admin/backups", require(ScopeAdmin), s.handleBackup)
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
		attrs := []any{"request_id", c.GetString(requestIDKey), "method", c.Request.Method, "path", c.Request.URL.Path,
			"status", c.Writer.Status(), "ms", float64(time.Since(start).Microseconds()) / 1000}
		if k := keyOf(c); k != nil {
			attrs = append(attrs, "key", k.ID)
		}
		if err := c.GetString(errorKey); err != "" {
			attrs = append(attrs, "error", err)
		}
		lvl := slog.LevelInfo
		if d := c.GetStringSlice(degradedKey); len(d) > 0 {
			attrs = append(attrs, "degraded", d)
			lvl = slog.LevelWarn
		}
		if c.Writer.Status() >= 500 {
			lvl = slog.LevelError
		}
		s.log().Log(c.Request.Context(), lvl, "request", attrs...)
	}
}

const (
	requestIDKey = "shoulders.request_id"
	errorKey     = "shoulders.error"
	degradedKey  = "shoulders.degraded"
)

// requestID tags each request with the client's X-Request-ID when it is
// a sane token, else a new one, and returns it in the response, so a
// client's report can be matched with the server's log line.
func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !saneID(id) {
			id = uuid.NewString()
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// collectionName resolves the request's collection name, defaulting it,
// and checks that the request's key may use it.
func (s *Server) collectionName(c *gin.Context, name string) (string, error) {
	if name == "" {
		name = s.DefaultCollection
	}
	if name == "" {
		name = corpus.DefaultCollection
	}
	if err := corpus.ValidateCollection(name); err != nil {
		return "", badRequest("invalid_collection", err.Error())
	}
	if k := keyOf(c); k != nil && !k.Reaches(name) {
		return "", &apiError{http.StatusForbidden, Error{"forbidden_collection", "this API key may not use collection " + name}}
	}
	return name, nil
}
