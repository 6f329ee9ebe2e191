package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/shoulders-qa/shoulders/corpus"
)

// ErrLocked is returned when another process holds a collection's index.
var ErrLocked = errors.New("index locked")

// ErrNotFound is returned for a document that is not in the collection.
var ErrNotFound = errors.New("document not found")

// A Collection is one Bleve passage index plus the records of the
// documents it holds. It is safe for concurrent use; writes are serialized.
type Collection struct {
	Name string
	idx  bleve.Index
	opts Options

	wmu sync.Mutex // serializes writes: upserts read the previous records
}

// A DocRecord describes a stored document. It is written in the same
// Bleve batch as the document's passages, so the two never disagree.
type DocRecord struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Source   string            `json:"source,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Passages int               `json:"passages"`
	Chars    int               `json:"chars"`
	Updated  time.Time         `json:"updated"`
}

func openCollection(name, dir string, opts Options) (*Collection, error) {
	path := filepath.Join(dir, "bleve")
	// A bounded lock wait turns "another process has this index open"
	// into an error instead of a hang.
	idx, err := bleve.OpenUsing(path, map[string]interface{}{"bolt_timeout": "3s"})
	if err != nil && strings.Contains(err.Error(), "timeout") {
		return nil, fmt.Errorf("collection %q is open in another process (a running server?): %w", name, ErrLocked)
	}
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		idx, err = bleve.New(path, passageMapping())
	}
	if err != nil {
		return nil, fmt.Errorf("open collection %q: %w", name, err)
	}
	return &Collection{Name: name, idx: idx, opts: opts}, nil
}

func (c *Collection) close() error { return c.idx.Close() }

func docKey(id string) []byte { return []byte("doc\x00" + id) }

// Record returns the stored record of a document.
func (c *Collection) Record(id string) (DocRecord, error) {
	var r DocRecord
	b, err := c.idx.GetInternal(docKey(id))
	if err != nil {
		return r, err
	}
	if b == nil {
		return r, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return r, json.Unmarshal(b, &r)
}

// An Entry is a document with its passages, ready to be stored.
type Entry struct {
	Doc      corpus.Document
	Passages []corpus.Passage
}

// Upsert stores entries, replacing any earlier version of each document:
// passages beyond the new count are deleted, so nothing stale remains. It
// returns once Bleve has persisted the batch.
func (c *Collection) Upsert(ctx context.Context, entries []Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.idx.NewBatch()
	pending := map[string]int{} // passages written earlier in this batch
	now := time.Now().UTC()
	for _, e := range entries {
		prev, ok := pending[e.Doc.ID]
		if !ok {
			if r, err := c.Record(e.Doc.ID); err == nil {
				prev = r.Passages
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		for _, p := range e.Passages {
			if err := b.Index(p.ID, bleveDoc{
				DocID: p.DocID, Title: p.Title, Text: p.Text, Body: p.Title + "\n" + p.Text, Source: p.Source,
				Ordinal: float64(p.Ordinal), Start: float64(p.Start), End: float64(p.End),
			}); err != nil {
				return err
			}
		}
		for ord := len(e.Passages); ord < prev; ord++ {
			b.Delete(corpus.PassageID(e.Doc.ID, ord))
		}
		pending[e.Doc.ID] = len(e.Passages)
		rec, err := json.Marshal(DocRecord{
			ID: e.Doc.ID, Title: e.Doc.Title, Source: e.Doc.Source, Metadata: e.Doc.Metadata,
			Passages: len(e.Passages), Chars: len(e.Doc.Text), Updated: now,
		})
		if err != nil {
			return err
		}
		b.SetInternal(docKey(e.Doc.ID), rec)
	}
	return c.idx.Batch(b)
}

// Delete removes a document and its passages.
func (c *Collection) Delete(ctx context.Context, id string) (DocRecord, error) {
	if err := ctx.Err(); err != nil {
		return DocRecord{}, err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	r, err := c.Record(id)
	if err != nil {
		return r, err
	}
	b := c.idx.NewBatch()
	for ord := 0; ord < r.Passages; ord++ {
		b.Delete(corpus.PassageID(id, ord))
	}
	b.DeleteInternal(docKey(id))
	return r, c.idx.Batch(b)
}

// PassageCount is the number of passages in the collection.
func (c *Collection) PassageCount() (uint64, error) { return c.idx.DocCount() }
