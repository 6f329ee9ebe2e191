package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/shoulders-qa/shoulders/index"
)

// schemaVersion changes whenever indexing changes what a cached index
// holds, so stale caches are rebuilt.
// v3: accents folded, SQuAD titles spelled with spaces.
const schemaVersion = "bleve-body-v3"

// Fingerprint identifies a corpus and how it is indexed: file names,
// sizes and modification times, the chunker settings and schema version.
func Fingerprint(srcs []index.Source, in *index.Ingester) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%d\n", schemaVersion, in.Chunker.Words, in.Chunker.Overlap)
	for _, s := range srcs {
		var mod int64
		if fi, err := os.Stat(s.Name); err == nil {
			mod = fi.ModTime().UnixNano()
		}
		fmt.Fprintf(h, "%s|%s|%d|%d\n", s.Name, s.Format, s.Size, mod)
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// EnsureIndexed indexes srcs into the named collection unless it already
// holds exactly this corpus (same fingerprint), in which case it is reused.
// The returned figure measures the ingest; cached reports reuse. drop,
// when set, deletes a collection to rebuild (with its vectors); without
// it the store drops its own part.
func EnsureIndexed(ctx context.Context, store *index.Store, name string, srcs []index.Source, in *index.Ingester, w func(*index.Collection) index.Writer, drop func(string) error) (fig IngestFigure, cached bool, err error) {
	fp := Fingerprint(srcs, in)
	if c, err := store.Collection(name, false); err == nil {
		if got, _ := c.Meta("fingerprint"); got == fp {
			n, _ := c.PassageCount()
			return IngestFigure{Corpus: name, Passages: int(n)}, true, nil
		}
	}
	if drop == nil {
		drop = func(n string) error { return store.Drop(n, nil) }
	}
	if err := drop(name); err != nil && !errors.Is(err, index.ErrNoCollection) {
		return fig, false, err
	}
	c, err := store.Collection(name, true)
	if err != nil {
		return fig, false, err
	}
	var target index.Writer = c
	if w != nil {
		target = w(c)
	}
	start := time.Now()
	rep, err := in.Ingest(ctx, target, srcs)
	if err != nil {
		return fig, false, err
	}
	if rep.Skipped > 0 {
		return fig, false, fmt.Errorf("%d malformed records in the corpus, first: %s", rep.Skipped, rep.Problems[0])
	}
	secs := time.Since(start).Seconds()
	// The fingerprint is written last: an interrupted ingest is redone.
	if err := c.SetMeta("fingerprint", fp); err != nil {
		return fig, false, err
	}
	size, _ := store.SizeOnDisk(name)
	return IngestFigure{Corpus: name, Target: "bleve", Passages: rep.Passages, Seconds: secs,
		PassagesPerS: float64(rep.Passages) / secs, IndexMB: float64(size) / (1 << 20)}, false, nil
}
