package corpus

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// maxDocument bounds a whole-file document (text, Markdown, HTML). Larger
// inputs belong in a line-oriented format, which streams.
const maxDocument = 64 << 20

func readAll(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxDocument {
		return nil, fmt.Errorf("%s: larger than %d MB; split it or use JSONL", name, maxDocument>>20)
	}
	return b, nil
}

// fileTitle is the fallback title of a file: its base name without extensions.
func fileTitle(name string) string {
	base := filepath.Base(name)
	base = strings.TrimSuffix(base, ".gz")
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// wholeFile reads r as one document and reports a bad file as a Problem,
// which keeps a directory ingest going past it.
func wholeFile(r io.Reader, name string, st *Stats, convert func([]byte) (title, text string)) (Document, bool) {
	b, err := readAll(r, name)
	if err != nil {
		st.skip(name, 0, err)
		return Document{}, false
	}
	if !utf8.Valid(b) {
		st.skip(name, 0, fmt.Errorf("not UTF-8 text"))
		return Document{}, false
	}
	title, text := convert(b)
	if strings.TrimSpace(text) == "" {
		st.skip(name, 0, fmt.Errorf("no text"))
		return Document{}, false
	}
	if title == "" {
		title = fileTitle(name)
	}
	return Document{ID: name, Title: title, Text: text, Source: name}, true
}

// readText reads a plain text file as one document titled by its file name.
func readText(_ context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	d, ok := wholeFile(r, name, st, func(b []byte) (string, string) {
		return "", strings.ReplaceAll(string(b), "\r\n", "\n")
	})
	if !ok {
		return nil
	}
	return emit(d)
}
