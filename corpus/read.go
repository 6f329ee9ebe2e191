package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// A Problem is one malformed record or file, reported and skipped.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"` // 1-based; 0 when the whole file is at fault
	Err  string `json:"error"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Err)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Err)
}

// Stats counts what a read produced.
type Stats struct {
	Documents int       `json:"documents"`
	Skipped   int       `json:"skipped"`
	Problems  []Problem `json:"problems,omitempty"`
}

// maxProblems bounds the problems kept in Stats so a file of garbage
// cannot exhaust memory; Skipped still counts all of them.
const maxProblems = 100

func (s *Stats) skip(file string, line int, err error) {
	s.Skipped++
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, Problem{File: file, Line: line, Err: err.Error()})
	}
}

// Add merges the counts of another read.
func (s *Stats) Add(o Stats) {
	s.Documents += o.Documents
	s.Skipped += o.Skipped
	for _, p := range o.Problems {
		if len(s.Problems) < maxProblems {
			s.Problems = append(s.Problems, p)
		}
	}
}

// readFunc is the shape of every format reader: decode r, call emit for
// each document, record skipped records in st. An error from emit stops
// the read and is returned as is.
type readFunc func(ctx context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error

// Read streams the documents of r, in format f, to emit. name labels
// documents and problems. Gzip input is detected by its magic bytes.
func Read(ctx context.Context, r io.Reader, name string, f Format, emit func(Document) error) (Stats, error) {
	var st Stats
	rf, ok := formatReaders[f]
	if !ok {
		return st, fmt.Errorf("unknown format %q", f)
	}
	r, err := maybeGunzip(r)
	if err != nil {
		return st, fmt.Errorf("%s: %w", name, err)
	}
	if f != PDF {
		if r, err = textOnly(r); err != nil {
			return st, fmt.Errorf("%s: %w", name, err)
		}
	}
	count := func(d Document) error {
		st.Documents++
		return emit(d)
	}
	err = rf(ctx, r, name, count, &st)
	return st, err
}

// ReadFile opens path (transparently gunzipped) and streams its documents.
// An empty format is detected from the file name.
func ReadFile(ctx context.Context, path string, f Format, emit func(Document) error) (Stats, error) {
	if f == "" {
		var err error
		if f, err = DetectFormat(path); err != nil {
			return Stats{}, err
		}
	}
	fh, err := os.Open(path)
	if err != nil {
		return Stats{}, err
	}
	defer fh.Close()
	return Read(ctx, fh, path, f, emit)
}

// ErrNotText is returned for input whose content is not text: every
// format but PDF is text, whatever a file's name says.
var ErrNotText = errors.New("content is not text")

// textOnly sniffs the first 512 bytes by content (as browsers do) and
// refuses binary input, such as a PDF, image or archive renamed .txt,
// before a reader turns it into garbage passages.
func textOnly(r io.Reader) (io.Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	head, _ := br.Peek(512)
	if len(head) == 0 {
		return br, nil
	}
	ct := http.DetectContentType(head)
	if ct == "application/pdf" {
		return nil, fmt.Errorf("%w: it looks like application/pdf (name it .pdf, or pass the pdf format, to read it as a PDF)", ErrNotText)
	}
	if !strings.HasPrefix(ct, "text/") {
		return nil, fmt.Errorf("%w: it looks like %s", ErrNotText, strings.SplitN(ct, ";", 2)[0])
	}
	return br, nil
}

func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("bad gzip stream: %w", err)
		}
		return bufio.NewReaderSize(zr, 64<<10), nil
	}
	return br, nil
}

// maxLine bounds one record of a line-oriented file. DPR and NQ lines are
// a few KB; a 16 MB line is a broken file, not a record.
const maxLine = 16 << 20

// eachLine calls fn for every line of r with its 1-based number. A line
// longer than maxLine is reported and skipped without being buffered.
func eachLine(ctx context.Context, r io.Reader, name string, st *Stats, fn func(line []byte, n int) error) error {
	br := bufio.NewReaderSize(r, 256<<10)
	n := 0
	var buf []byte
	for {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		chunk, isPrefix, err := br.ReadLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", name, n+1, err)
		}
		n++
		if isPrefix {
			buf = append(buf[:0], chunk...)
			tooLong := false
			for isPrefix {
				chunk, isPrefix, err = br.ReadLine()
				if err != nil && err != io.EOF {
					return fmt.Errorf("%s: line %d: %w", name, n, err)
				}
				if len(buf)+len(chunk) > maxLine {
					tooLong = true
				} else if !tooLong {
					buf = append(buf, chunk...)
				}
				if err == io.EOF {
					break
				}
			}
			if tooLong {
				st.skip(name, n, fmt.Errorf("line longer than %d bytes", maxLine))
				continue
			}
			chunk = buf
		}
		if err := fn(chunk, n); err != nil {
			return err
		}
	}
}

func isBlank(b []byte) bool {
	return len(bytes.TrimSpace(b)) == 0
}

// Open opens a file for reading, gunzipping it when it is gzip.
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := maybeGunzip(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}
