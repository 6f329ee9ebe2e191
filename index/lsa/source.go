package lsa

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// Source gives each collection its own LSA model, fitted on the
// collection's passages the first time vectors are reconciled and saved
// beside its index (lsa.model), then applied to new passages and queries.
type Source struct {
	Options Options
	// Analyze turns text into terms (default index.Terms, the BM25 analyzer).
	Analyze func(string) []string

	mu     sync.Mutex
	models map[string]*embedder
}

type embedder struct {
	m   *Model
	mod time.Time // modification time of the file it was loaded from
}

func (e embedder) Name() string { return Name }
func (e embedder) Dim() int     { return e.m.Dim() }
func (e embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return e.m.Embed(ctx, texts)
}

// Embedder implements index.EmbedderSource.
func (s *Source) Embedder(ctx context.Context, c *index.Collection, fit bool) (index.Embedder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.models == nil {
		s.models = map[string]*embedder{}
	}
	path := filepath.Join(c.Dir(), "lsa.model")
	key := path
	// A cached model holds only while its file does: a collection dropped
	// and rebuilt (a changed eval corpus) gets a model of its own.
	fi, statErr := os.Stat(path)
	if e, ok := s.models[key]; ok && statErr == nil && fi.ModTime().Equal(e.mod) {
		return e, nil
	}
	delete(s.models, key)
	if s.Analyze == nil {
		s.Analyze = index.Terms
	}
	m, err := Load(path, s.Analyze)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrNotExist) && fit:
		if m, err = s.fit(ctx, c); err != nil {
			return nil, err
		}
		if err := m.Save(path); err != nil {
			return nil, err
		}
	case errors.Is(err, os.ErrNotExist):
		return nil, index.ErrNoEmbedder
	default:
		return nil, err
	}
	e := &embedder{m: m}
	if fi, err := os.Stat(path); err == nil {
		e.mod = fi.ModTime()
	}
	if err := c.CheckEmbedder(e); err != nil {
		return nil, err
	}
	s.models[key] = e
	return e, nil
}

func (s *Source) fit(ctx context.Context, c *index.Collection) (*Model, error) {
	var docs []string
	err := c.EachPassage(ctx, func(ps []corpus.Passage) error {
		for _, p := range ps {
			docs = append(docs, index.EmbedText(p))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m, err := Fit(docs, s.Analyze, s.Options)
	if err != nil {
		return nil, fmt.Errorf("collection %q: %w", c.Name, err)
	}
	return m, nil
}
