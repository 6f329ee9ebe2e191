package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// deletedPrefix marks a collection folder on its way out: it is renamed so
// in one step, then removed, and a crash in between leaves only a folder
// that no listing shows and the next OpenStore removes.
const deletedPrefix = ".deleted-"

// Drop deletes a collection with everything in it, or returns
// ErrNoCollection. Writes to it in flight finish first, and new ones wait;
// then before, when set, runs (its error stops the deletion with nothing
// lost), and the collection's folder goes in one rename. Searches that
// still hold the collection afterwards fail with an error that Deleted
// recognizes.
func (s *Store) Drop(name string, before func() error) error {
	c, err := s.Collection(name, false)
	switch {
	case errors.Is(err, ErrNoCollection) || errors.Is(err, ErrLocked):
		return err
	case err != nil:
		// An index that cannot be opened can still be deleted.
		c = nil
	}
	if c != nil {
		c.wmu.Lock()
		defer c.wmu.Unlock()
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c != nil {
		c.dropped.Store(true)
		if err := c.close(); err != nil {
			return fmt.Errorf("delete collection %q: %w", name, err)
		}
		delete(s.cols, name)
	}
	trash := filepath.Join(s.dir, "collections", fmt.Sprintf("%s%s-%d", deletedPrefix, name, time.Now().UnixNano()))
	if err := os.Rename(s.path(name), trash); err != nil {
		return fmt.Errorf("delete collection %q: %w", name, err)
	}
	if err := syncDir(filepath.Dir(trash)); err != nil {
		return fmt.Errorf("delete collection %q: %w", name, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("delete collection %q: its folder is renamed %s, and the next start removes it: %w", name, trash, err)
	}
	return nil
}

// ErrVectorsUnavailable is returned when a collection cannot be deleted
// because its vectors cannot be.
var ErrVectorsUnavailable = errors.New("the vector index cannot delete the collection's vectors")

// Deleted reports whether err comes from a collection that was deleted
// while a request was using it.
func Deleted(err error) bool { return errors.Is(err, bleve.ErrorIndexClosed) }

// removeDeleted finishes deletions a crash interrupted.
func removeDeleted(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), deletedPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// Drop deletes a collection from both indexes, or returns ErrNoCollection.
// The vectors go first: should that fail, nothing is deleted, and should
// the process stop between the two, the collection is still whole in
// Bleve, the record, and reconciliation embeds it again.
func (s *Synced) Drop(ctx context.Context, name string) error {
	// No vector write runs meanwhile, and those that wait see the
	// collection dropped: none can make its class again.
	s.vmu.Lock()
	defer s.vmu.Unlock()
	err := s.Store.Drop(name, func() error {
		if err := s.Vectors.DropClass(ctx, name); err != nil {
			return fmt.Errorf("%w: %v; nothing was deleted", ErrVectorsUnavailable, err)
		}
		return nil
	})
	if err == nil {
		s.mu.Lock()
		delete(s.state, name)
		delete(s.moved, name)
		s.mu.Unlock()
	}
	return err
}
