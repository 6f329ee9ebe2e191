package corpus

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// A Format names a file format that Shoulders can read.
type Format string

// The supported formats.
const (
	Text     Format = "text"
	Markdown Format = "markdown"
	HTML     Format = "html"
	PDF      Format = "pdf"
	JSONL    Format = "jsonl"
	BEIR     Format = "beir"
	DPR      Format = "dpr"
	SQuAD    Format = "squad"
	NQ       Format = "nq"
)

var formatReaders = map[Format]readFunc{
	Text:     readText,
	Markdown: readMarkdown,
	HTML:     readHTML,
	PDF:      readPDF,
	JSONL:    readJSONL,
	BEIR:     readBEIR,
	DPR:      readDPR,
	SQuAD:    readSQuAD,
	NQ:       readNQ,
}

// Formats lists the supported format names, sorted.
func Formats() []string {
	out := make([]string, 0, len(formatReaders))
	for f := range formatReaders {
		out = append(out, string(f))
	}
	sort.Strings(out)
	return out
}

// ParseFormat checks a user-supplied format name.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := formatReaders[f]; !ok {
		return "", fmt.Errorf("unknown format %q (supported: %s)", s, strings.Join(Formats(), ", "))
	}
	return f, nil
}

// DetectFormat guesses a file's format from its name; a trailing .gz is
// ignored. Names of the well-known benchmark files map to their readers
// (psgs_w100.tsv is DPR, *squad*.json is SQuAD, *nq*oracle*.jsonl is NQ,
// corpus.jsonl is BEIR).
func DetectFormat(name string) (Format, error) {
	base := strings.ToLower(filepath.Base(name))
	base = strings.TrimSuffix(base, ".gz")
	ext := filepath.Ext(base)
	switch {
	case ext == ".tsv":
		return DPR, nil
	case ext == ".json" && (strings.Contains(base, "squad") || strings.HasPrefix(base, "dev-v") || strings.HasPrefix(base, "train-v")):
		return SQuAD, nil
	case ext == ".jsonl" && strings.Contains(base, "nq") && strings.Contains(base, "oracle"):
		return NQ, nil
	case ext == ".jsonl" && base == "corpus.jsonl":
		return BEIR, nil
	case ext == ".jsonl", ext == ".ndjson":
		return JSONL, nil
	case ext == ".md", ext == ".markdown":
		return Markdown, nil
	case ext == ".html", ext == ".htm", ext == ".xhtml":
		return HTML, nil
	case ext == ".pdf":
		return PDF, nil
	case ext == ".txt", ext == ".text", ext == "":
		return Text, nil
	}
	return "", fmt.Errorf("cannot tell the format of %q from its name; pass a format (one of %s)", name, strings.Join(Formats(), ", "))
}
