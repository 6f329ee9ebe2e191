package index

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

// A Writer stores entries durably: a Collection, or a set of indexes kept
// in step.
type Writer interface {
	Upsert(ctx context.Context, entries []Entry) error
}

// An Ingester reads documents, cuts them into passages and writes them in
// batches. Reading runs ahead of writing by one batch.
type Ingester struct {
	Chunker corpus.Chunker
	// BatchPassages is the number of passages per write (default 2000).
	BatchPassages int
	// Progress, when set, is called after each write with the input bytes
	// consumed so far and the passages written so far.
	Progress func(bytes int64, passages int)
	// Metadata, when set, is given to every document read, so that files,
	// which carry none, can be filtered by it; a JSONL record's own value
	// for a key wins.
	Metadata map[string]string
}

// A Report says what an ingest did.
type Report struct {
	corpus.Stats
	Passages int           `json:"passages"`
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// PassagesPerSecond is the ingest throughput.
func (r Report) PassagesPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Passages) / r.Elapsed.Seconds()
}

// A Source is one input of an ingest.
type Source struct {
	Name   string // file name, for formats, IDs and problems
	Format corpus.Format
	Open   func() (io.ReadCloser, error)
	Size   int64
}

// FileSources expands paths (files or folders, walked recursively) into
// sources. With format empty, each file's format is detected from its
// name; files in folders whose format cannot be told are reported in the
// returned problems and skipped, a named file is an error.
func FileSources(paths []string, format corpus.Format) ([]Source, []corpus.Problem, error) {
	var out []Source
	var problems []corpus.Problem
	add := func(path string, size int64, explicit bool) error {
		f := format
		if f == "" {
			var err error
			if f, err = corpus.DetectFormat(path); err != nil {
				if explicit {
					return err
				}
				problems = append(problems, corpus.Problem{File: path, Err: "skipped: unknown format"})
				return nil
			}
		}
		p := path
		out = append(out, Source{Name: filepath.ToSlash(path), Format: f, Size: size,
			Open: func() (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, nil, err
		}
		if !info.IsDir() {
			if err := add(root, info.Size(), true); err != nil {
				return nil, nil, err
			}
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != root && d.Name()[0] == '.' {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Name()[0] == '.' {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			return add(path, fi.Size(), false)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, problems, nil
}

// TotalSize adds up the sizes of sources, for a progress bar.
func TotalSize(srcs []Source) int64 {
	var n int64
	for _, s := range srcs {
		n += s.Size
	}
	return n
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// Ingest reads every source into w. A malformed record or file is counted
// and reported in the Report, and the rest goes on; a write error stops
// the ingest, and everything written before it stays stored.
func (in *Ingester) Ingest(ctx context.Context, w Writer, srcs []Source) (Report, error) {
	start := time.Now()
	var rep Report
	batchSize := in.BatchPassages
	if batchSize <= 0 {
		batchSize = 2000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type batch struct {
		entries  []Entry
		bytes    int64
		passages int
	}
	batches := make(chan batch, 1)
	var readErr error
	var stats corpus.Stats
	go func() {
		defer close(batches)
		var bytesRead int64
		var cur []Entry
		n := 0
		flush := func() error {
			if len(cur) == 0 {
				return nil
			}
			select {
			case batches <- batch{cur, bytesRead, n}:
			case <-ctx.Done():
				return ctx.Err()
			}
			cur, n = nil, 0
			return nil
		}
		stats, readErr = in.Documents(ctx, srcs, func(d corpus.Document, read int64) error {
			bytesRead = read
			ps := in.Chunker.Split(d)
			if len(ps) == 0 {
				return nil
			}
			cur = append(cur, Entry{Doc: d, Passages: ps})
			n += len(ps)
			if n >= batchSize {
				return flush()
			}
			return nil
		})
		if readErr == nil {
			readErr = flush()
		}
	}()

	var writeErr error
	for b := range batches {
		if writeErr != nil {
			continue // drain so the reader can finish
		}
		if err := w.Upsert(ctx, b.entries); err != nil {
			writeErr = err
			cancel()
			continue
		}
		rep.Passages += b.passages
		if in.Progress != nil {
			in.Progress(b.bytes, rep.Passages)
		}
	}
	rep.Stats = stats
	rep.Elapsed = time.Since(start)
	if writeErr != nil {
		return rep, writeErr
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return rep, readErr
	}
	return rep, ctx.Err()
}

// Documents reads every source and calls emit with each valid document,
// tagged with the Ingester's Metadata, and the input bytes consumed so
// far. Malformed records and files are counted and reported in the
// returned Stats, and the rest goes on; an error from emit, or the
// context's, stops the read.
func (in *Ingester) Documents(ctx context.Context, srcs []Source, emit func(d corpus.Document, bytesRead int64) error) (corpus.Stats, error) {
	var stats corpus.Stats
	var bytesRead int64
	for _, src := range srcs {
		st, err := in.readSource(ctx, src, &bytesRead, emit)
		stats.Add(st)
		if err != nil {
			if ctx.Err() != nil {
				return stats, ctx.Err()
			}
			var ee emitError
			if errors.As(err, &ee) {
				return stats, ee.err
			}
			// A file that cannot be opened or decoded at all is a
			// problem of that file, not of the whole ingest.
			stats.Skipped++
			stats.Problems = append(stats.Problems, corpus.Problem{File: src.Name, Err: err.Error()})
		}
	}
	return stats, nil
}

// emitError carries an error of the caller's emit through a reader, so
// that it stops the read rather than counting as a bad file.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }

func (in *Ingester) readSource(ctx context.Context, src Source, counter *int64, emit func(corpus.Document, int64) error) (corpus.Stats, error) {
	rc, err := src.Open()
	if err != nil {
		return corpus.Stats{}, err
	}
	defer rc.Close()
	var bad corpus.Stats
	st, err := corpus.Read(ctx, countingReader{rc, counter}, src.Name, src.Format, func(d corpus.Document) error {
		if err := corpus.ValidateDocID(d.ID); err != nil {
			bad.Skipped++
			bad.Problems = append(bad.Problems, corpus.Problem{File: src.Name, Err: err.Error()})
			return nil
		}
		if len(in.Metadata) > 0 {
			m := maps.Clone(in.Metadata)
			maps.Copy(m, d.Metadata)
			d.Metadata = m
		}
		if err := emit(d, *counter); err != nil {
			return emitError{err}
		}
		return nil
	})
	st.Documents -= bad.Skipped
	st.Add(bad)
	return st, err
}

// Entries chunks documents already in memory, as the API receives them.
func (in *Ingester) Entries(docs []corpus.Document) []Entry {
	out := make([]Entry, 0, len(docs))
	for _, d := range docs {
		if ps := in.Chunker.Split(d); len(ps) > 0 {
			out = append(out, Entry{Doc: d, Passages: ps})
		}
	}
	return out
}
