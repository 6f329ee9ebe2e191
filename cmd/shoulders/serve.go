package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/web"
	"github.com/spf13/cobra"
)

func serveCmd(cfg *config) *cobra.Command {
	var seed []string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API on --addr",
		Long: `Serve the API on --addr. With --seed, the given files or folders are
ingested into the collection first when it holds no documents yet (the
demo of 'make run' seeds it with the project's own docs).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := cfg.logger()
			slog.SetDefault(log)
			a, err := cfg.open()
			if err != nil {
				return err
			}
			defer a.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if len(seed) > 0 {
				if err := a.seed(ctx, seed, log); err != nil {
					return err
				}
			}
			if a.reader.LM == nil {
				log.Info("no LM configured (SHOULDERS_LM_URL): answers are extracted evidence")
			}
			srv := &api.Server{Reader: a.reader, Store: a.store, Ingester: a.ingester, Log: log, Synced: a.synced,
				UI: web.Handler(), Feedback: &api.FeedbackLog{Path: filepath.Join(cfg.DataDir, "feedback.jsonl")}}
			if a.synced != nil {
				srv.Vectors = a.vectors
				go a.synced.Run(ctx, 30*time.Second)
			}
			hs := &http.Server{Addr: cfg.Addr, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return err
			}
			log.Info("serving", "url", "http://"+ln.Addr().String(), "collection", cfg.Collection)
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			log.Info("shutting down: finishing requests in flight")
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&seed, "seed", nil, "files or folders to ingest when the collection is empty")
	return cmd
}

// seed ingests paths into the configured collection if it holds nothing.
func (a *app) seed(ctx context.Context, paths []string, log *slog.Logger) error {
	col, err := a.store.Collection(a.cfg.Collection, true)
	if err != nil {
		return err
	}
	if n, err := col.PassageCount(); err != nil || n > 0 {
		return err
	}
	srcs, problems, err := index.FileSources(paths, "")
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	rep, err := a.ingester.Ingest(ctx, a.writer(col), srcs)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if a.synced != nil {
		if _, err := a.synced.Reconcile(ctx, col, nil); err != nil {
			log.Warn("seed: vector index not filled yet; will retry", "error", err)
		}
	}
	log.Info("seeded collection", "collection", col.Name, "documents", rep.Documents,
		"passages", rep.Passages, "skipped", rep.Skipped+len(problems))
	return nil
}
