package index

import (
	"context"
	"errors"
	"sync"
)

// A SubsetFitter is an EmbedderSource that can fit a collection's
// embedder on some of its passages, before the rest have arrived.
type SubsetFitter interface {
	FitOn(ctx context.Context, c *Collection, ids []string) (Embedder, error)
}

// A Follower writes the vectors of a bulk ingest while the ingest goes
// on, instead of after it: the vector server indexes one part while Bleve
// takes the next. Once FitAt passages are written (in ingest order, so
// the same input always fits the same model) an embedder that needs
// fitting is fitted on them; a smaller ingest fits at Finish on all of
// its passages, as reconciliation always has. Finish waits for the
// follower and reconciles, so both indexes end identical whatever
// happened on the way.
type Follower struct {
	s        *Synced
	c        *Collection
	fitAt    int
	progress func(done, total int)

	mu      sync.Mutex
	order   []string // every passage written, in order
	pending []string // written, vectors not yet
	pushed  int
	kick    chan struct{}
	done    chan struct{}
	result  chan error
}

// Follow starts a follower for an ingest into c.
func (s *Synced) Follow(ctx context.Context, c *Collection, fitAt int) *Follower {
	f := &Follower{s: s, c: c, fitAt: fitAt,
		kick: make(chan struct{}, 1), done: make(chan struct{}), result: make(chan error, 1)}
	go func() { f.result <- f.run(ctx) }()
	return f
}

// SetProgress sets a function told of vectors written against passages
// written so far (for a progress bar shown once the ingest's own is done).
func (f *Follower) SetProgress(fn func(done, total int)) {
	f.mu.Lock()
	f.progress = fn
	f.mu.Unlock()
}

// Writer is the writer for the ingest: Bleve first, as always; then the
// follower is told what to embed.
func (f *Follower) Writer() Writer { return followWriter{f} }

type followWriter struct{ f *Follower }

func (w followWriter) Upsert(ctx context.Context, entries []Entry) error {
	removed, _, err := w.f.c.upsert(ctx, entries, false)
	if err != nil {
		return err
	}
	if len(removed) > 0 {
		w.f.s.markDirty(w.f.c.Name, len(removed), errors.New("replaced passages await removal from the vector index"))
	}
	f := w.f
	f.mu.Lock()
	for _, e := range entries {
		for _, p := range e.Passages {
			f.order = append(f.order, p.ID)
			f.pending = append(f.pending, p.ID)
		}
	}
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
	return nil
}

func (f *Follower) run(ctx context.Context) error {
	var emb Embedder
	for {
		finished := false
		select {
		case <-f.kick:
		case <-f.done:
			finished = true
		case <-ctx.Done():
			return ctx.Err()
		}
		if emb == nil {
			var err error
			if emb, err = f.embedder(ctx, finished); err != nil {
				return err
			}
			if emb == nil {
				if finished {
					return nil // the final reconciliation fits on everything
				}
				continue // not enough passages to fit on yet
			}
			if err := f.s.Vectors.EnsureClass(ctx, f.c.Name); err != nil {
				return err
			}
		}
		if f.s.outgrown(ctx, f.c) {
			// The ingest has outgrown the collection's embedder: Finish
			// learns it again and computes every vector once.
			return nil
		}
		if err := f.push(ctx, emb); err != nil {
			return err
		}
		if finished {
			return nil
		}
	}
}

// embedder returns the collection's embedder: the one it has, or one
// fitted on the first fitAt passages once they are written.
func (f *Follower) embedder(ctx context.Context, finished bool) (Embedder, error) {
	emb, err := f.s.Embedders.Embedder(ctx, f.c, false)
	if err == nil {
		return emb, nil
	}
	if !errors.Is(err, ErrNoEmbedder) {
		return nil, err
	}
	fitter, ok := f.s.Embedders.(SubsetFitter)
	f.mu.Lock()
	n := len(f.order)
	first := append([]string(nil), f.order...)
	f.mu.Unlock()
	if !ok || finished || n < f.fitAt {
		return nil, nil
	}
	return fitter.FitOn(ctx, f.c, first)
}

// push embeds and writes everything written so far, reading and
// embedding the next chunk while the vector server takes this one.
func (f *Follower) push(ctx context.Context, emb Embedder) error {
	const chunk = 1000
	for {
		f.mu.Lock()
		n := min(chunk, len(f.pending))
		ids := f.pending[:n:n]
		f.pending = f.pending[n:]
		total, progress := len(f.order), f.progress
		f.mu.Unlock()
		if n == 0 {
			return nil
		}
		ps, err := f.c.Passages(ctx, ids)
		if err != nil {
			return err
		}
		// Under the vector lock, as every vector write: see
		// refitIfOutgrown.
		f.s.vmu.RLock()
		vecs, err := emb.Embed(ctx, texts(ps))
		if err == nil {
			err = f.s.Vectors.Upsert(ctx, f.c.Name, ps, vecs)
		}
		f.s.vmu.RUnlock()
		if err != nil {
			return err
		}
		f.pushed += len(ps)
		if progress != nil {
			progress(f.pushed, total)
		}
	}
}

// Finish waits for the follower to catch up with the ingest, then
// reconciles the collection: a failure on the way leaves nothing out,
// only more for reconciliation to do.
func (f *Follower) Finish(ctx context.Context) (ReconcileReport, error) {
	close(f.done)
	ferr := <-f.result
	if ferr != nil {
		f.s.markDirty(f.c.Name, 0, ferr)
	}
	f.mu.Lock()
	progress, pushed := f.progress, f.pushed
	f.mu.Unlock()
	var rp func(done, total int)
	if progress != nil {
		rp = func(done, total int) { progress(pushed+done, pushed+total) }
	}
	rep, err := f.s.Reconcile(ctx, f.c, rp)
	rep.Added += pushed
	return rep, err
}
