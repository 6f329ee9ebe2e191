package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reindex leaves current collections alone unless told, rebuilds a named
// one keeping its passages, and refuses an unknown name.
func TestReindexCommand(t *testing.T) {
	data := t.TempDir()
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "cafe.md"), []byte("# Café\n\nThe café on the square serves crêpes to visitors from Zürich.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := output(t, data, "ingest", "-q", docs); err != nil {
		t.Fatal(err)
	}
	before, err := output(t, data, "search", "crepes zurich")
	if err != nil || !strings.Contains(before, "cafe.md") {
		t.Fatalf("search before: %v\n%s", err, before)
	}
	if out, err := output(t, data, "reindex", "-q"); err != nil || !strings.Contains(out, "every collection is up to date") {
		t.Fatalf("reindex of current collections: %v\n%s", err, out)
	}
	if out, err := output(t, data, "reindex", "-q", "default"); err != nil || !strings.Contains(out, "reindexed default: 1 passages, analyzer shoulders_en") {
		t.Fatalf("reindex default: %v\n%s", err, out)
	}
	if after, err := output(t, data, "search", "crepes zurich"); err != nil || after != before {
		t.Fatalf("search after reindex: %v\n%s\nwas\n%s", err, after, before)
	}
	if _, err := output(t, data, "reindex", "nosuch"); err == nil || !strings.Contains(err.Error(), "no such collection") {
		t.Fatalf("unknown collection: %v", err)
	}
}
