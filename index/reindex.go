package index

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// metaKeysKey lists the keys SetMeta has written, so that a rebuilt index
// can carry them over: Bleve cannot enumerate its internal values.
var metaKeysKey = []byte("meta-keys")

// legacyMetaKeys are the settings written before the list was kept.
var legacyMetaKeys = []string{"embedder", "fingerprint", "kind"}

// Reindex rebuilds a collection's Bleve index from the passages and
// records stored in it, with the current analyzer and mapping, keeping
// every passage ID, record and setting. The new index is built beside the
// old one and renamed into place, so a crash at any point leaves one whole
// index (see finishSwap); vectors are keyed by passage ID and stay valid.
// progress, when set, is told how many passages are done out of how many.
func (s *Store) Reindex(ctx context.Context, name string, progress func(done, total int)) error {
	c, err := s.Collection(name, false)
	if err != nil {
		return err
	}
	unlock, ok, err := lockDir(c.dir)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("collection %q is being reindexed by another process", name)
	}
	defer unlock()
	next := filepath.Join(c.dir, "bleve.new")
	if err := os.RemoveAll(next); err != nil {
		return err
	}
	nidx, err := bleve.New(next, passageMapping())
	if err != nil {
		return fmt.Errorf("reindex %q: %w", name, err)
	}
	// No writes to the old index from its listing to its close: they
	// would be lost. A write waiting meanwhile meets a closed index and
	// fails rather than vanish.
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ids, err := c.sortedPassageIDs(ctx)
	if err == nil {
		err = copyIndex(ctx, c, nidx, ids, progress)
	}
	if cerr := nidx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(next)
		return fmt.Errorf("reindex %q: %w", name, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := c.close(); err != nil {
		return err
	}
	delete(s.cols, name)
	cur, old := filepath.Join(c.dir, "bleve"), filepath.Join(c.dir, "bleve.old")
	if err := os.Rename(cur, old); err != nil {
		return err
	}
	if err := os.Rename(next, cur); err != nil {
		return err
	}
	if err := syncDir(c.dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

func copyIndex(ctx context.Context, c *Collection, to bleve.Index, ids []string, progress func(done, total int)) error {
	fields := append(append([]string{}, storedFields...), recordFields...)
	for start := 0; start < len(ids); start += 1000 {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := ids[start:min(start+1000, len(ids))]
		req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(part), len(part), 0, false)
		req.Fields = fields
		res, err := c.idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		// Metadata is stored once, with a document's record; every
		// passage indexes it.
		docs := map[string]bool{}
		for _, h := range res.Hits {
			if id, ok := h.Fields[fieldDocID].(string); ok {
				docs[id] = true
			}
		}
		recs, err := c.records(ctx, slices.Collect(maps.Keys(docs)))
		if err != nil {
			return err
		}
		b := to.NewBatch()
		for _, h := range res.Hits {
			str := func(k string) string { s, _ := h.Fields[k].(string); return s }
			num := func(k string) float64 { f, _ := h.Fields[k].(float64); return f }
			d := bleveDoc{DocID: str(fieldDocID), Title: str(fieldTitle), Text: str(fieldText),
				Body: bodyOf(str(fieldTitle), str(fieldText)), Source: str(fieldSource),
				Ordinal: num(fieldOrdinal), Start: num(fieldStart), End: num(fieldEnd),
				Passages: num(fieldPassages), Chars: num(fieldChars), Meta: str(fieldMeta), Updated: str(fieldUpdated),
				MetaKV: metaTerms(recs[str(fieldDocID)].Metadata), DocDirs: docDirs(str(fieldDocID))}
			if err := b.Index(h.ID, d); err != nil {
				return err
			}
		}
		if err := to.Batch(b); err != nil {
			return err
		}
		if progress != nil {
			progress(start+len(part), len(ids))
		}
	}
	keys, err := c.metaKeys()
	if err != nil {
		return err
	}
	b := to.NewBatch()
	for _, k := range keys {
		v, err := c.Meta(k)
		if err != nil {
			return err
		}
		if v != "" {
			b.SetInternal(metaKey(k), []byte(v))
		}
	}
	b.SetInternal(metaKeysKey, []byte(strings.Join(keys, "\n")))
	return to.Batch(b)
}

// metaKeys lists the keys of the collection's settings.
func (c *Collection) metaKeys() ([]string, error) {
	b, err := c.idx.GetInternal(metaKeysKey)
	if err != nil {
		return nil, err
	}
	keys := append([]string{}, legacyMetaKeys...)
	for _, k := range strings.Split(string(b), "\n") {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// finishSwap completes or undoes a reindex that a crash interrupted. The
// new index is renamed into place only once whole, so a folder holding
// bleve.new but no bleve crashed between the two renames, and bleve.new is
// taken; beside a bleve, it is an unfinished copy and is removed, as is a
// bleve.old left after the swap.
// Another process reindexing holds the folder's lock and is left alone.
func finishSwap(dir string) error {
	unlock, ok, err := lockDir(dir)
	if err != nil || !ok {
		return err
	}
	defer unlock()
	cur, next, old := filepath.Join(dir, "bleve"), filepath.Join(dir, "bleve.new"), filepath.Join(dir, "bleve.old")
	if _, err := os.Stat(cur); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(next); err == nil {
			if err := os.Rename(next, cur); err != nil {
				return err
			}
			if err := syncDir(dir); err != nil {
				return err
			}
		}
	}
	if err := os.RemoveAll(next); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// lockDir takes the exclusive lock of a collection folder that a reindex
// holds, and reports false when another process has it.
func lockDir(dir string) (unlock func(), ok bool, err error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return func() {}, true, nil // nothing there to finish or rebuild
	}
	f, err := os.OpenFile(filepath.Join(dir, "reindex.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return func() { f.Close() }, true, nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
