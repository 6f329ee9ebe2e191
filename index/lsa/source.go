package lsa

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	var fitter func() (*Model, error)
	if fit {
		fitter = func() (*Model, error) { return s.fit(ctx, c, nil) }
	}
	return s.get(c, fitter)
}

// FitOn implements index.SubsetFitter: a bulk ingest fits the model on its
// first passages and embeds the rest while they are still arriving.
func (s *Source) FitOn(ctx context.Context, c *index.Collection, ids []string) (index.Embedder, error) {
	return s.get(c, func() (*Model, error) { return s.fit(ctx, c, ids) })
}

// get returns the collection's model: cached, saved beside the index, or
// fitted by fit (when not nil) and saved.
func (s *Source) get(c *index.Collection, fit func() (*Model, error)) (index.Embedder, error) {
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
	case errors.Is(err, os.ErrNotExist) && fit != nil:
		if m, err = fit(); err != nil {
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
		if rec, _ := c.Meta("embedder"); strings.HasPrefix(rec, Name+"/") {
			return nil, fmt.Errorf("%w: %v", errRecorded, err)
		}
		return nil, err
	}
	s.models[key] = e
	return e, nil
}

// errRecorded is a model of this source whose dimension is not the one
// recorded with the collection: a refit stopped between saving the model
// and recording it.
var errRecorded = errors.New("lsa: the model differs from the one recorded")

// Stale implements index.Refitter. A model fitted on fewer passages than
// the fitting sample holds is learned again once the collection holds
// twice the passages it was fitted on, so that a collection started with
// a few documents does not keep a model of their words alone; growth by
// doubling keeps the total work of refitting within twice that of one
// fit. A model whose dimension differs from the recorded one was saved
// by a refit that stopped before recording it, and is learned again too.
func (s *Source) Stale(ctx context.Context, c *index.Collection) (bool, error) {
	e, err := s.get(c, nil)
	switch {
	case errors.Is(err, index.ErrNoEmbedder):
		return false, nil
	case errors.Is(err, errRecorded):
		return true, nil
	case err != nil:
		return false, err
	}
	n, err := c.PassageCount()
	if err != nil {
		return false, err
	}
	docs := e.(*embedder).m.Docs
	return docs < s.Options.sample() && n >= 2*uint64(docs), nil
}

// Refit implements index.Refitter: it fits c's model again on its
// passages, saves it in place of the old one and records it.
func (s *Source) Refit(ctx context.Context, c *index.Collection) (index.Embedder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Analyze == nil {
		s.Analyze = index.Terms
	}
	m, err := s.fit(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(c.Dir(), "lsa.model")
	if err := m.Save(path); err != nil {
		return nil, err
	}
	e := &embedder{m: m}
	if fi, err := os.Stat(path); err == nil {
		e.mod = fi.ModTime()
	}
	if err := c.RecordEmbedder(e); err != nil {
		return nil, err
	}
	if s.models == nil {
		s.models = map[string]*embedder{}
	}
	s.models[path] = e
	return e, nil
}

// fit fits a model on the passages with ids, in that order, or on every
// passage of the collection when ids is nil.
func (s *Source) fit(ctx context.Context, c *index.Collection, ids []string) (*Model, error) {
	var docs []string
	if ids != nil {
		for start := 0; start < len(ids); start += 1000 {
			ps, err := c.Passages(ctx, ids[start:min(start+1000, len(ids))])
			if err != nil {
				return nil, err
			}
			docs = append(docs, texts(ps)...)
		}
	} else if err := c.EachPassage(ctx, func(ps []corpus.Passage) error {
		docs = append(docs, texts(ps)...)
		return nil
	}); err != nil {
		return nil, err
	}
	m, err := Fit(docs, s.Analyze, s.Options)
	if err != nil {
		return nil, fmt.Errorf("collection %q: %w", c.Name, err)
	}
	return m, nil
}

func texts(ps []corpus.Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = index.EmbedText(p)
	}
	return out
}
