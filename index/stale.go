package index

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// staleFile lists, one per line, the passages written to Bleve whose
// vector copy was not written with them (the vector store was down, or
// the collection awaited reconciliation). Reconciliation compares passage
// IDs, and a rewritten passage keeps its ID: without this list a document
// changed during an outage would keep the vectors of its old text. The
// list is on disk, so that a restart before reconciliation keeps it.
const staleFile = "vectors.stale"

// markStale records that ids' vectors are missing or out of date.
func (c *Collection) markStale(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	f, err := os.OpenFile(filepath.Join(c.dir, staleFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, id := range ids {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// staleIDs returns the passages markStale recorded, and how many bytes of
// the list that is, for clearStale.
func (c *Collection) staleIDs() ([]string, int64, error) {
	c.smu.Lock()
	defer c.smu.Unlock()
	b, err := os.ReadFile(filepath.Join(c.dir, staleFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	// A line cut by a crash is left for the next pass, with what follows.
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if id := sc.Text(); id != "" {
			ids = append(ids, id)
		}
	}
	return ids, int64(len(b)), sc.Err()
}

// clearStale removes the first n bytes of the list, which a pass has read
// and dealt with; what was added since stays.
func (c *Collection) clearStale(n int64) error {
	if n == 0 {
		return nil
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	path := filepath.Join(c.dir, staleFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if int64(len(b)) <= n {
		return os.Remove(path)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b[n:], 0o644); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
