package index

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/shoulders-qa/shoulders/internal/appendlog"
)

// staleFile lists, one per line, the passages written to Bleve whose
// vector copy was not written with them (the vector store was down, or
// the collection awaited reconciliation), and those of a rewrite whose
// copy is under way. Reconciliation compares passage IDs, and a rewritten
// passage keeps its ID: without this list a document changed during an
// outage would keep the vectors of its old text. The list is on disk, so
// that a restart before reconciliation keeps it.
const staleFile = "vectors.stale"

// markStale records that ids' vectors are missing or out of date.
func (c *Collection) markStale(ids []string) error {
	_, err := c.markStaleAhead(ids)
	return err
}

// A staleMark is where markStaleAhead's record lies in the list: from
// before to after, in bytes; zero when nothing was recorded.
type staleMark struct{ before, after int64 }

// markStaleAhead lists passages a write is about to rewrite, before Bleve
// takes the write: a process that dies between Bleve's commit and the
// vector copy would otherwise leave them the vectors of their old text,
// under IDs reconciliation finds in step. Passages new to the collection
// need no record: their missing vectors are found by ID.
func (c *Collection) markStaleAhead(ids []string) (staleMark, error) {
	if len(ids) == 0 {
		return staleMark{}, nil
	}
	var b bytes.Buffer
	for _, id := range ids {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	at, err := appendlog.Append(filepath.Join(c.dir, staleFile), b.Bytes())
	if err != nil {
		return staleMark{}, err
	}
	return staleMark{before: at, after: at + int64(b.Len())}, nil
}

// unmarkStale takes back a markStaleAhead record once the vector copy is
// written, when nothing was listed after it; otherwise the record stays,
// and reconciliation embeds those passages once more, which does no harm.
func (c *Collection) unmarkStale(m staleMark) {
	if m.after == 0 {
		return
	}
	path := filepath.Join(c.dir, staleFile)
	c.smu.Lock()
	defer c.smu.Unlock()
	if fileSize(path) != m.after {
		return
	}
	if m.before == 0 {
		_ = os.Remove(path)
		return
	}
	_ = os.Truncate(path, m.before)
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
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
	// A line cut by a crash is not a passage; the next append cuts it.
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
