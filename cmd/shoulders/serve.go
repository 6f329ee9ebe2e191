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
	"strings"
	"syscall"
	"time"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/web"
	"github.com/spf13/cobra"
)

func serveCmd(cfg *config) *cobra.Command {
	var seed []string
	var authMode string
	var origins []string
	var limits api.Limits
	auth := api.Auth{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API on --addr",
		Long: `Serve the API on --addr. With --seed, the collection is first brought in
step with the given files or folders: files new or changed since the last
start are ingested, and the documents of files since removed are
deleted; documents added, replaced or deleted through the API stay as they
are (the demo of 'make run' seeds it with the project's own docs).

SIGHUP reloads the re-ranker model file (--reranker), for instance after
retraining it from feedback; a file that does not load leaves the running
model in place. SIGINT or SIGTERM finish the requests in flight and stop.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := cfg.logger()
			slog.SetDefault(log)
			claim, err := claimFolder(cfg.DataDir)
			if err != nil {
				return err
			}
			defer claim.Close()
			// Refuse a taken address now, not after Weaviate has started
			// and the seed documents are indexed.
			probe, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return listenError(cfg.Addr, err)
			}
			probe.Close()
			cfg.serving = true
			a, err := cfg.open()
			if err != nil {
				return err
			}
			defer a.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if w, ok := a.reader.Reranker.(interface{ Warm() }); ok {
				// WordNet takes seconds to read: read it now, when the
				// model uses it, rather than while the first question
				// waits; a missing WordNet is reported as the server starts.
				// It reads while the seed documents are ingested.
				go w.Warm()
			}
			if len(seed) > 0 {
				if err := a.seed(ctx, seed, log); err != nil {
					return err
				}
			}
			if a.reader.LM == nil {
				log.Info("no LM configured (SHOULDERS_LM_URL): answers are extracted evidence")
			}
			if auth.Keys, err = api.OpenKeyStore(keysPath(cfg)); err != nil {
				return err
			}
			if auth.Required, err = authRequired(authMode, cfg.Addr); err != nil {
				return err
			}
			switch {
			case auth.Required && !auth.Keys.Active():
				log.Warn("API keys are required but none exists: create one with 'shoulders keys create'", "addr", cfg.Addr)
			case !auth.Required:
				log.Info("API keys are not required (serving on loopback, or SHOULDERS_AUTH=off)")
			}
			metrics := api.NewMetrics(a.store, a.synced)
			prev := a.reader.OnDegraded
			a.reader.OnDegraded = func(mode string, parts []string) {
				metrics.Degraded(mode, parts)
				if prev != nil {
					prev(mode, parts)
				}
			}
			srv := &api.Server{Reader: a.reader, Store: a.store, Ingester: a.ingester, Log: log, Synced: a.synced,
				UI: web.Handler(), Feedback: &api.FeedbackLog{Path: filepath.Join(cfg.DataDir, "feedback.jsonl")},
				Auth: auth, CORSOrigins: origins, Metrics: metrics, Limits: limits, DefaultCollection: cfg.Collection,
				Backups: &api.Backups{Take: func(context.Context) (index.BackupInfo, error) { return cfg.backup(a.store) }}}
			if a.synced != nil {
				srv.Vectors = a.vectors
				a.synced.Start(ctx, 30*time.Second)
			}
			hs := &http.Server{Addr: cfg.Addr, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return listenError(cfg.Addr, err)
			}
			// SIGHUP swaps in the re-ranker file as it is now, such as a model
			// retrained from feedback, without dropping a request.
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for {
					select {
					case <-hup:
						a.reloadReranker(log)
					case <-ctx.Done():
						return
					}
				}
			}()
			if err := announce(claim, ln.Addr()); err != nil {
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
	fl := cmd.Flags()
	fl.StringSliceVar(&seed, "seed", nil, "files or folders whose documents the collection keeps in step with")
	fl.StringVar(&authMode, "auth", env("SHOULDERS_AUTH", "auto"), "API keys: auto (required unless serving on loopback), on or off (SHOULDERS_AUTH)")
	fl.StringSliceVar(&origins, "cors-origins", splitEnv("SHOULDERS_CORS_ORIGINS"), "origins whose pages may call the API, e.g. https://intranet.example.com (SHOULDERS_CORS_ORIGINS)")
	fl.Float64Var(&auth.Rate, "rate", envFloat("SHOULDERS_RATE", 20), "requests per second per API key, for keys that set none (SHOULDERS_RATE)")
	fl.IntVar(&auth.Burst, "burst", envInt("SHOULDERS_BURST", 40), "burst per API key (SHOULDERS_BURST)")
	fl.Float64Var(&auth.AnonRate, "anon-rate", envFloat("SHOULDERS_ANON_RATE", 0), "requests per second per client address without a key; 0: unlimited (SHOULDERS_ANON_RATE)")
	fl.Int64Var(&limits.MaxBody, "max-body", int64(envInt("SHOULDERS_MAX_BODY", int(api.DefaultLimits.MaxBody))), "largest JSON request body, bytes (SHOULDERS_MAX_BODY)")
	fl.Int64Var(&limits.MaxUpload, "max-upload", int64(envInt("SHOULDERS_MAX_UPLOAD", int(api.DefaultLimits.MaxUpload))), "largest file upload, bytes (SHOULDERS_MAX_UPLOAD)")
	fl.IntVar(&limits.MaxQuestion, "max-question", envInt("SHOULDERS_MAX_QUESTION", api.DefaultLimits.MaxQuestion), "longest question, bytes (SHOULDERS_MAX_QUESTION)")
	fl.IntVar(&limits.MaxK, "max-k", envInt("SHOULDERS_MAX_K", api.DefaultLimits.MaxK), "most candidates a request may ask for (SHOULDERS_MAX_K)")
	fl.IntVar(&limits.MaxBudget, "max-budget", envInt("SHOULDERS_MAX_BUDGET", api.DefaultLimits.MaxBudget), "largest token budget a request may ask for (SHOULDERS_MAX_BUDGET)")
	return cmd
}

// authRequired decides whether API keys are needed: always with "on",
// never with "off", and with "auto" whenever the server listens beyond
// loopback, where anyone on the network could reach it.
func authRequired(mode, addr string) (bool, error) {
	switch mode {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto", "":
	default:
		return false, fmt.Errorf("--auth must be auto, on or off, not %q", mode)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("--addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return false, nil
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback(), nil
}

func keysPath(cfg *config) string { return filepath.Join(cfg.DataDir, "keys.json") }

func splitEnv(key string) []string {
	var out []string
	for _, s := range strings.Split(env(key, ""), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// seed keeps the configured collection in step with the files at paths:
// the demo's documents stay those of the checkout it runs from.
func (a *app) seed(ctx context.Context, paths []string, log *slog.Logger) error {
	col, err := a.store.Collection(a.cfg.Collection, true)
	if err != nil {
		return err
	}
	srcs, problems, err := index.FileSources(paths, "")
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	s := &index.Seeder{Collection: col, Ingester: a.ingester}
	if a.synced != nil {
		s = a.synced.Seeder(col, a.ingester)
	}
	rep, err := s.Seed(ctx, srcs)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if a.synced != nil && rep.Added+rep.Updated+rep.Removed > 0 {
		if _, err := a.synced.Reconcile(ctx, col, nil); err != nil {
			log.Warn("seed: vector index not filled yet; will retry", "error", err)
		}
	}
	for _, p := range append(problems, rep.Problems...) {
		log.Warn("seed: skipped", "file", p.File, "problem", p.Err)
	}
	log.Info("seeded collection", "collection", col.Name, "added", rep.Added, "updated", rep.Updated,
		"removed", rep.Removed, "unchanged", rep.Unchanged, "kept", rep.Kept)
	return nil
}

// listenError says what to do about an address that cannot be served.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s is in use, by another server or program: stop it, or serve elsewhere with --addr or SHOULDERS_ADDR", addr)
	}
	return fmt.Errorf("cannot serve on %s: %w", addr, err)
}
