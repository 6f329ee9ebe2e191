package index

import (
	"context"
	"fmt"
)

// A Refitter is an EmbedderSource whose embedders are learned from their
// collection. One learned from a collection's first few documents knows
// too few of the words that come after them, so it is learned again as
// the collection grows, and every vector is computed anew.
type Refitter interface {
	// Stale tells whether c has outgrown its embedder.
	Stale(ctx context.Context, c *Collection) (bool, error)
	// Refit learns c's embedder again from its passages and records it.
	Refit(ctx context.Context, c *Collection) (Embedder, error)
}

// errOutgrown marks a collection whose vectors wait for its embedder to be
// learned again; writes then go to Bleve alone, as for any collection
// awaiting reconciliation.
var errOutgrown = fmt.Errorf("%w: the collection outgrew its embedder, which is learned again", ErrNoEmbedder)

// outgrown tells whether c's embedder is to be learned again.
func (s *Synced) outgrown(ctx context.Context, c *Collection) bool {
	r, ok := s.Embedders.(Refitter)
	if !ok {
		return false
	}
	stale, err := r.Stale(ctx, c)
	return err == nil && stale
}

// refitIfOutgrown learns c's embedder again if it is stale, after deleting
// the vectors of the old one; reconciliation then computes them all anew.
// No vector is written meanwhile, so none of the old embedder's can land
// among the new.
func (s *Synced) refitIfOutgrown(ctx context.Context, c *Collection) error {
	r, ok := s.Embedders.(Refitter)
	if !ok {
		return nil
	}
	s.vmu.Lock()
	defer s.vmu.Unlock()
	if stale, err := r.Stale(ctx, c); err != nil || !stale {
		return err
	}
	n, err := c.PassageCount()
	if err != nil {
		return err
	}
	s.mu.Lock()
	st := s.st(c.Name)
	st.InSync, st.Pending = false, int(n) // searches know the vectors are behind (Behind)
	s.mu.Unlock()
	// The vectors go first: a stop before the new embedder is saved
	// leaves the old one, still stale, and the next pass starts again.
	if err := s.Vectors.DropClass(ctx, c.Name); err != nil {
		return err
	}
	e, err := r.Refit(ctx, c)
	if err != nil {
		return err
	}
	s.log().Info("learned the collection's embedder again from its passages; its vectors are computed anew",
		"collection", c.Name, "passages", n, "dim", e.Dim())
	return nil
}

// Behind tells whether most of a collection's vectors are missing, while
// reconciliation computes them (after a refit, or in a restored data
// folder): a vector search would see only part of the collection.
func (s *Synced) Behind(c *Collection) bool {
	s.mu.Lock()
	st, ok := s.state[c.Name]
	pending := 0
	if ok && !st.InSync {
		pending = st.Pending
	}
	s.mu.Unlock()
	if pending == 0 {
		return false
	}
	n, err := c.PassageCount()
	return err == nil && uint64(pending)*2 > n
}
