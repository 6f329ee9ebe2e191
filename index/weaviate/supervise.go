package weaviate

import (
	"context"
	"log/slog"
	"time"
)

// Supervise restarts the server whenever it exits on its own (a crash,
// the kernel's OOM killer), on the same ports and data folder, so that
// clients already connected to it find it again. Until it is back,
// Shoulders answers from BM25 and queues vector writes for
// reconciliation. Restarts that fail are retried, waiting from one second
// up to 30 between tries. Supervision ends with Stop or Kill.
func (s *Server) Supervise(log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.mu.Lock()
	if s.unsupervise != nil {
		s.mu.Unlock()
		cancel()
		return // already supervised
	}
	s.unsupervise = func() { cancel(); <-done }
	s.mu.Unlock()
	go func() {
		defer close(done)
		for {
			s.mu.Lock()
			e := s.exit
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-e.done:
			}
			if ctx.Err() != nil {
				return // stopped on purpose
			}
			log.Error("Weaviate exited; restarting it", "error", e.err, "log", s.opts.LogPath)
			for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
				err := s.Restart(ctx)
				if err == nil {
					log.Info("Weaviate restarted", "url", s.url, "pid", s.PID())
					break
				}
				if ctx.Err() != nil {
					return
				}
				log.Error("Weaviate did not restart; will try again", "error", err, "in", wait)
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
	}()
}

// endSupervision stops Supervise's restarts, waiting for one under way
// to give up, so that an exit asked for is not taken for a crash.
func (s *Server) endSupervision() {
	s.mu.Lock()
	end := s.unsupervise
	s.unsupervise = nil
	s.mu.Unlock()
	if end != nil {
		end()
	}
}
