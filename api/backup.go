package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/index"
)

// Backups takes backups of a running server's data on request.
type Backups struct {
	// Take writes one backup and says what it holds.
	Take func(ctx context.Context) (index.BackupInfo, error)
	mu   sync.Mutex
}

// handleBackup takes a backup of every collection, the feedback log and
// the API keys while the server goes on answering and ingesting. It
// needs an admin key that reaches every collection, since the backup
// holds them all; one backup runs at a time.
func (s *Server) handleBackup(c *gin.Context) {
	if s.Backups == nil || s.Backups.Take == nil {
		fail(c, &apiError{http.StatusNotImplemented, Error{"backups_off", "this server takes no backups"}})
		return
	}
	if k := keyOf(c); k != nil && len(k.Collections) > 0 {
		fail(c, &apiError{http.StatusForbidden, Error{"forbidden_collection", "a backup holds every collection: it needs an admin key not limited to some"}})
		return
	}
	if !s.Backups.mu.TryLock() {
		fail(c, &apiError{http.StatusConflict, Error{"backup_running", "a backup is being taken; try again when it is done"}})
		return
	}
	defer s.Backups.mu.Unlock()
	start := time.Now()
	info, err := s.Backups.Take(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	s.log().Info("backup taken", "path", info.Path, "collections", len(info.Collections), "bytes", info.Bytes)
	c.JSON(http.StatusCreated, gin.H{"path": info.Path, "collections": info.Collections, "files": info.Files,
		"bytes": info.Bytes, "took_ms": time.Since(start).Milliseconds()})
}
