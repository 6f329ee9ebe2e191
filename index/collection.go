package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"
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
	dir  string
	idx  bleve.Index
	opts Options

	wmu sync.Mutex // serializes writes: upserts read the previous records
	// vorder is taken by a write to the vector copy too as it leaves wmu,
	// and held until that copy is written: copies then land in the order
	// Bleve took the writes. Two writes of one document could otherwise
	// reach the vector store the other way round, leaving it the older
	// passages while Bleve holds the newer ones.
	vorder  sync.Mutex
	smu     sync.Mutex  // guards the list of stale vectors (stale.go)
	dropped atomic.Bool // set by Store.Drop before it closes the index
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
	c := &Collection{Name: name, dir: dir, idx: idx, opts: opts}
	if c.Outdated() && c.Analyzer() == AnalyzerName {
		slog.Warn("collection was indexed by an older release: everything works, but metadata filters need, and folder filters are faster after, `shoulders reindex` (stop the server first)",
			"collection", name)
	}
	if a := c.Analyzer(); a != AnalyzerName {
		// Searches still work, through the analyzer the index was built
		// with; only spellings that differ by accents do not meet.
		slog.Warn("collection was indexed by an older analyzer: stop the server and run `shoulders reindex` to match accented and plain spellings",
			"collection", name, "analyzer", a, "current", AnalyzerName)
	}
	return c, nil
}

// Analyzer names the analyzer the collection's text was indexed with,
// fixed when the index was created.
func (c *Collection) Analyzer() string { return c.idx.Mapping().AnalyzerNameForPath(fieldBody) }

func (c *Collection) close() error { return c.idx.Close() }

// Record returns the stored record of a document.
func (c *Collection) Record(id string) (DocRecord, error) {
	recs, err := c.records(context.Background(), []string{id})
	if err != nil {
		return DocRecord{}, err
	}
	r, ok := recs[id]
	if !ok {
		return r, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return r, nil
}

// records fetches the records of documents, by ID; unknown ones are absent.
// Records are stored fields of each document's first passage, written in
// the same batch as its passages, so the two never disagree. (Bleve's
// internal key-values would rewrite every record on every batch.)
func (c *Collection) records(ctx context.Context, ids []string) (map[string]DocRecord, error) {
	first := make([]string, len(ids))
	for i, id := range ids {
		first[i] = corpus.PassageID(id, 0)
	}
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(first), len(first), 0, false)
	req.Fields = recordFields
	res, err := c.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make(map[string]DocRecord, len(res.Hits))
	for _, h := range res.Hits {
		r := record(h.Fields)
		out[r.ID] = r
	}
	return out, nil
}

var recordFields = []string{fieldDocID, fieldTitle, fieldSource, fieldPassages, fieldChars, fieldMeta, fieldUpdated}

func record(f map[string]interface{}) DocRecord {
	str := func(k string) string { s, _ := f[k].(string); return s }
	num := func(k string) int { n, _ := f[k].(float64); return int(n) }
	r := DocRecord{ID: str(fieldDocID), Title: str(fieldTitle), Source: str(fieldSource),
		Passages: num(fieldPassages), Chars: num(fieldChars)}
	if m := str(fieldMeta); m != "" {
		_ = json.Unmarshal([]byte(m), &r.Metadata)
	}
	r.Updated, _ = time.Parse(time.RFC3339Nano, str(fieldUpdated))
	return r
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
	_, _, err := c.upsert(ctx, entries, false)
	return err
}

// upsert is Upsert, also returning the IDs of passages it deleted. With
// ordered set, for a write with a vector copy: a write that succeeds
// returns holding c.vorder, which the caller unlocks once the vector copy
// is written, and the passages it rewrites are first listed as stale (see
// markStaleAhead), which the caller undoes with the mark returned.
func (c *Collection) upsert(ctx context.Context, entries []Entry, ordered bool) (removed []string, mark staleMark, err error) {
	if err := ctx.Err(); err != nil {
		return nil, mark, err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	defer func() {
		if ordered && err == nil {
			c.vorder.Lock() // before wmu lets the next write in
		}
	}()
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.Doc.ID)
	}
	stored, err := c.records(ctx, ids)
	if err != nil {
		return nil, mark, err
	}
	if ordered {
		var rewritten []string
		for _, e := range entries {
			for _, p := range e.Passages {
				if p.Ordinal < stored[e.Doc.ID].Passages {
					rewritten = append(rewritten, p.ID)
				}
			}
		}
		if mark, err = c.markStaleAhead(rewritten); err != nil {
			return nil, mark, err
		}
	}
	b := c.idx.NewBatch()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, e := range entries {
		kv, dirs := metaTerms(e.Doc.Metadata), docDirs(e.Doc.ID)
		for _, p := range e.Passages {
			d := bleveDoc{
				DocID: p.DocID, Title: p.Title, Text: p.Text, Body: bodyOf(p.Title, p.Text), Source: p.Source,
				Ordinal: float64(p.Ordinal), Start: float64(p.Start), End: float64(p.End), MetaKV: kv, DocDirs: dirs,
			}
			if p.Ordinal == 0 {
				d.Passages, d.Chars, d.Updated = float64(len(e.Passages)), float64(len(e.Doc.Text)), now
				if len(e.Doc.Metadata) > 0 {
					m, err := json.Marshal(e.Doc.Metadata)
					if err != nil {
						return nil, mark, err
					}
					d.Meta = string(m)
				}
			}
			if err := b.Index(p.ID, d); err != nil {
				return nil, mark, err
			}
		}
		for ord := len(e.Passages); ord < stored[e.Doc.ID].Passages; ord++ {
			b.Delete(corpus.PassageID(e.Doc.ID, ord))
			removed = append(removed, corpus.PassageID(e.Doc.ID, ord))
		}
		// A later entry for the same document in this batch replaces this one.
		stored[e.Doc.ID] = DocRecord{Passages: max(len(e.Passages), stored[e.Doc.ID].Passages)}
	}
	return removed, mark, c.idx.Batch(b)
}

// Delete removes a document and its passages.
func (c *Collection) Delete(ctx context.Context, id string) (DocRecord, error) {
	return c.delete(ctx, id, false)
}

// delete is Delete; ordered is as for upsert.
func (c *Collection) delete(ctx context.Context, id string, ordered bool) (r DocRecord, err error) {
	if err := ctx.Err(); err != nil {
		return DocRecord{}, err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	defer func() {
		if ordered && err == nil {
			c.vorder.Lock()
		}
	}()
	r, err = c.Record(id)
	if err != nil {
		return r, err
	}
	b := c.idx.NewBatch()
	for ord := 0; ord < r.Passages; ord++ {
		b.Delete(corpus.PassageID(id, ord))
	}
	return r, c.idx.Batch(b)
}

// snapshot returns a reader of the index as it is now, which the caller
// closes. Bleve's searches refuse a closed index, but its Advanced
// interface does not: a closed scorch index hands out a nil snapshot,
// which panics on first use, so a background pass that still holds a
// deleted collection would take the process down. Once a snapshot is
// held, it stays readable through a close.
func (c *Collection) snapshot() (bleveindex.IndexReader, error) {
	adv, err := c.idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	if s, ok := r.(*scorch.IndexSnapshot); r == nil || ok && s == nil {
		return nil, fmt.Errorf("collection %q: %w", c.Name, bleve.ErrorIndexClosed)
	}
	return r, nil
}

// PassageCount is the number of passages in the collection.
func (c *Collection) PassageCount() (uint64, error) { return c.idx.DocCount() }

// PassageIDs lists every passage ID in the collection.
func (c *Collection) PassageIDs(ctx context.Context) (map[string]struct{}, error) {
	r, err := c.snapshot()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	all, err := r.DocIDReaderAll()
	if err != nil {
		return nil, err
	}
	defer all.Close()
	out := map[string]struct{}{}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		id, err := all.Next()
		if err != nil {
			return nil, err
		}
		if id == nil {
			return out, nil
		}
		ext, err := r.ExternalID(id)
		if err != nil {
			return nil, err
		}
		out[ext] = struct{}{}
	}
}

// sortedPassageIDs lists every passage ID in order: a stable order makes
// fitting and copying reproducible.
func (c *Collection) sortedPassageIDs(ctx context.Context) ([]string, error) {
	set, err := c.PassageIDs(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// Dir is the collection's folder, where files kept beside its index live.
func (c *Collection) Dir() string { return c.dir }

// EachPassage calls fn with every passage of the collection, in batches.
func (c *Collection) EachPassage(ctx context.Context, fn func([]corpus.Passage) error) error {
	ids, err := c.sortedPassageIDs(ctx)
	if err != nil {
		return err
	}
	for start := 0; start < len(ids); start += 1000 {
		ps, err := c.Passages(ctx, ids[start:min(start+1000, len(ids))])
		if err != nil {
			return err
		}
		if err := fn(ps); err != nil {
			return err
		}
	}
	return nil
}

// CheckEmbedder records the embedder of the collection's vectors on first
// use and refuses a different one later: vectors of two embedders cannot
// be compared.
func (c *Collection) CheckEmbedder(e Embedder) error {
	want := fmt.Sprintf("%s/%d", e.Name(), e.Dim())
	got, err := c.Meta("embedder")
	if err != nil {
		return err
	}
	switch got {
	case want:
		return nil
	case "":
		return c.SetMeta("embedder", want)
	}
	return fmt.Errorf("collection %q holds vectors of embedder %s, but %s is configured: set the same embedder, or delete and re-ingest the collection", c.Name, got, want)
}

// RecordEmbedder records e as the embedder of the collection's vectors, in
// place of any other: for an embedder learned again from the collection,
// once the vectors of the old one are gone.
func (c *Collection) RecordEmbedder(e Embedder) error {
	return c.SetMeta("embedder", fmt.Sprintf("%s/%d", e.Name(), e.Dim()))
}

// DocFreqs returns how many passages contain each term (in the searched
// title+text field) and the number of passages: the statistics of IDF.
func (c *Collection) DocFreqs(ctx context.Context, terms []string) (map[string]uint64, uint64, error) {
	n, err := c.idx.DocCount()
	if err != nil {
		return nil, 0, err
	}
	r, err := c.snapshot()
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	out := make(map[string]uint64, len(terms))
	for _, t := range terms {
		if _, ok := out[t]; ok {
			continue
		}
		tfr, err := r.TermFieldReader(ctx, []byte(t), fieldBody, false, false, false)
		if err != nil {
			return nil, 0, err
		}
		out[t] = tfr.Count()
		tfr.Close()
	}
	return out, n, nil
}
