package main

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/shoulders-qa/shoulders/retriever"
)

// loadReranker reads the model file at RerankerPath, for the store's
// collections.
func (c *config) loadReranker(store *index.Store) (reader.Reranker, *rerank.Model, error) {
	m, err := rerank.Load(c.RerankerPath)
	if err != nil {
		return nil, nil, err
	}
	r := rerank.NewLazy(m, func(err error) {
		c.logger().Warn("re-ranking is weaker than measured; install Debian's wordnet-base or set SHOULDERS_WORDNET", "err", err)
	})
	return rerank.ForStore{R: r, Store: store}, m, nil
}

// swappable is the server's re-ranker, replaceable while it serves: a
// model retrained (say, from feedback) takes over on SIGHUP, each request
// using whichever model was current when it began.
type swappable struct {
	cur atomic.Pointer[reader.Reranker]
}

func (s *swappable) set(r reader.Reranker) { s.cur.Store(&r) }

// Rerank implements reader.Reranker.
func (s *swappable) Rerank(ctx context.Context, collection, question string, cands []retriever.Candidate) ([]retriever.Candidate, error) {
	return (*s.cur.Load()).Rerank(ctx, collection, question, cands)
}

// RerankGiven implements reader.PassageReranker when the current
// re-ranker does.
func (s *swappable) RerankGiven(ctx context.Context, c *index.Collection, question string, ps []corpus.Passage) ([]retriever.Candidate, error) {
	pr, ok := (*s.cur.Load()).(reader.PassageReranker)
	if !ok {
		return nil, reader.ErrNoReranker
	}
	return pr.RerankGiven(ctx, c, question, ps)
}

// Warm warms the current re-ranker, if it has anything to load.
func (s *swappable) Warm() {
	if w, ok := (*s.cur.Load()).(interface{ Warm() }); ok {
		w.Warm()
	}
}

// reloadReranker loads the model file again and swaps it in; a file that
// does not load leaves the running model in place.
func (a *app) reloadReranker(log *slog.Logger) {
	s, ok := a.reader.Reranker.(*swappable)
	if !ok {
		log.Warn("no re-ranker was loaded at start: restart the server to use one", "path", a.cfg.RerankerPath)
		return
	}
	r, m, err := a.cfg.loadReranker(a.store)
	if err != nil {
		log.Error("re-ranker not reloaded: the running model stays", "path", a.cfg.RerankerPath, "err", err)
		return
	}
	s.set(r)
	log.Info("re-ranker reloaded", "path", a.cfg.RerankerPath, "data", m.Training.Data,
		"heldout_top1", m.Training.Dev["top1"])
}
