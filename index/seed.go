package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

// seedKey is the collection setting that remembers what the last seed
// wrote, so that the next one can tell its own documents from the user's:
// each seeded document's ID and the time its record was written.
const seedKey = "seed"

// A Seeder keeps a collection in step with a set of files, such as a
// demo's documents, from one start of a server to the next. A file new or
// changed since the last seed is ingested, and a document whose file is
// gone is deleted; a seeded document that was since deleted or replaced
// through the API is left as the user made it.
type Seeder struct {
	Collection *Collection
	Ingester   *Ingester
	// Writer stores entries (default: the collection alone).
	Writer Writer
	// Delete removes a document (default: from the collection alone).
	Delete func(ctx context.Context, id string) error
}

// A SeedReport counts what a seed did.
type SeedReport struct {
	Added, Updated, Removed, Unchanged int
	// Kept counts seeded documents that were deleted or replaced through
	// the API, and documents of the user's under a seed file's ID: they
	// stay as they are.
	Kept     int
	Problems []corpus.Problem
}

// Seed brings the collection in step with srcs.
func (s *Seeder) Seed(ctx context.Context, srcs []Source) (SeedReport, error) {
	c := s.Collection
	last, err := c.seeds()
	if err != nil {
		return SeedReport{}, err
	}
	w := &seedWriter{s: s, last: last, now: map[string]time.Time{}}
	rep, err := s.Ingester.Ingest(ctx, w, srcs)
	w.rep.Problems = rep.Problems
	if err != nil {
		// What was written is remembered, so that the next seed knows it.
		return w.rep, errors.Join(err, c.setSeeds(w.merged()))
	}
	for id, was := range last {
		if _, ok := w.now[id]; ok {
			continue
		}
		rec, err := c.Record(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return w.rep, err
		}
		if !rec.Updated.Equal(was) {
			continue // replaced through the API: the user's now
		}
		if err := s.delete(ctx, id); err != nil {
			return w.rep, errors.Join(err, c.setSeeds(w.merged()))
		}
		w.rep.Removed++
	}
	return w.rep, c.setSeeds(w.now)
}

func (s *Seeder) delete(ctx context.Context, id string) error {
	if s.Delete != nil {
		return s.Delete(ctx, id)
	}
	_, err := s.Collection.Delete(ctx, id)
	return err
}

// seedWriter decides, batch by batch, which of the documents read from
// the seed files are written.
type seedWriter struct {
	s    *Seeder
	last map[string]time.Time
	now  map[string]time.Time
	rep  SeedReport
}

func (w *seedWriter) Upsert(ctx context.Context, entries []Entry) error {
	c := w.s.Collection
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.Doc.ID
	}
	recs, err := c.records(ctx, ids)
	if err != nil {
		return err
	}
	var write []string
	var out []Entry
	for _, e := range entries {
		id := e.Doc.ID
		rec, exists := recs[id]
		was, seeded := w.last[id]
		switch {
		case exists && w.same(ctx, rec, e):
			w.now[id] = rec.Updated
			w.rep.Unchanged++
		case seeded && (!exists || !rec.Updated.Equal(was)):
			// Deleted or replaced through the API since it was seeded.
			w.now[id] = was
			w.rep.Kept++
		case exists && !seeded && rec.Source != e.Doc.Source:
			// The user's own document under the file's ID.
			w.rep.Kept++
		default:
			out = append(out, e)
			write = append(write, id)
			if exists {
				w.rep.Updated++
			} else {
				w.rep.Added++
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	if err := w.writer().Upsert(ctx, out); err != nil {
		return err
	}
	if recs, err = c.records(ctx, write); err != nil {
		return err
	}
	for _, id := range write {
		w.now[id] = recs[id].Updated
	}
	return nil
}

func (w *seedWriter) writer() Writer {
	if w.s.Writer != nil {
		return w.s.Writer
	}
	return w.s.Collection
}

// same reports whether the collection holds e as it is: the same passages
// (so a changed chunker rewrites them too) and metadata.
func (w *seedWriter) same(ctx context.Context, rec DocRecord, e Entry) bool {
	if rec.Passages != len(e.Passages) || rec.Title != e.Doc.Title || !maps.Equal(rec.Metadata, e.Doc.Metadata) {
		return false
	}
	ids := make([]string, len(e.Passages))
	for i, p := range e.Passages {
		ids[i] = p.ID
	}
	stored, err := w.s.Collection.Passages(ctx, ids)
	return err == nil && slices.Equal(stored, e.Passages)
}

// merged is what to remember after a seed that stopped part way: the last
// seed's documents, updated by what this one wrote.
func (w *seedWriter) merged() map[string]time.Time {
	m := maps.Clone(w.last)
	maps.Copy(m, w.now)
	return m
}

func (c *Collection) seeds() (map[string]time.Time, error) {
	v, err := c.Meta(seedKey)
	if err != nil || v == "" {
		return map[string]time.Time{}, err
	}
	m := map[string]time.Time{}
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fmt.Errorf("collection %q: unreadable seed record: %w", c.Name, err)
	}
	return m, nil
}

func (c *Collection) setSeeds(m map[string]time.Time) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.SetMeta(seedKey, string(b))
}

// Seeder is a Seeder whose writes and deletes reach both indexes.
func (s *Synced) Seeder(c *Collection, in *Ingester) *Seeder {
	return &Seeder{Collection: c, Ingester: in, Writer: s.Writer(c), Delete: func(ctx context.Context, id string) error {
		_, err := s.Delete(ctx, c, id)
		return err
	}}
}
