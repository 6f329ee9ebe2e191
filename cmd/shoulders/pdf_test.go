package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

// The binary's ingest reads PDFs through its child process: the text of
// a good one is stored, a broken one is reported by name, and the rest of
// the folder is ingested.
func TestIngestReadsPDFsInAChild(t *testing.T) {
	bin := shouldersBin(t)
	in := t.TempDir()
	pdf, err := os.ReadFile("../../corpus/testdata/retrieval.pdf")
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(in, "retrieval.pdf"), pdf, 0o644))
	must(os.WriteFile(filepath.Join(in, "cut.pdf"), pdf[:len(pdf)/3], 0o644))
	data := t.TempDir()
	env := append(os.Environ(), "SHOULDERS_DATA_DIR="+data, "SHOULDERS_WEAVIATE=off")
	ingest := exec.Command(bin, "ingest", in)
	ingest.Env = env
	out, err := ingest.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "cut.pdf: unreadable PDF") || !strings.Contains(string(out), "ingested 1 documents") {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	search := exec.Command(bin, "search", "how long does the hybrid retriever wait for the dense side", "-k", "1", "--json")
	search.Env = env
	out, err = search.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SHOULDERS_DENSE_TIMEOUT") {
		t.Fatalf("search: %v\n%s", err, out)
	}
}

// A child that does not finish in time is killed, and one that dies says
// how; either is a problem of that file alone.
func TestPDFChildIsStopped(t *testing.T) {
	defer func(argv []string, d time.Duration) { pdfChild, pdfTimeout = argv, d }(pdfChild, pdfTimeout)
	pdfTimeout = 500 * time.Millisecond
	pdfChild = []string{"sleep", "30"}
	start := time.Now()
	_, _, err := isolatedPDF(context.Background(), []byte("%PDF-1.4"))
	if err == nil || !strings.Contains(err.Error(), "not read within") || time.Since(start) > 10*time.Second {
		t.Fatalf("a child that hangs: %v after %s", err, time.Since(start))
	}
	pdfChild = []string{"sh", "-c", "echo 'runtime: goroutine stack exceeds 1000000000-byte limit' >&2; exit 2"}
	if _, _, err := isolatedPDF(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "stack exceeds") {
		t.Fatalf("a child that dies: %v", err)
	}
	// Through a reader, the failure is that file's problem, not the read's.
	defer func(f func(context.Context, []byte) (string, string, error)) { corpus.PDFText = f }(corpus.PDFText)
	corpus.PDFText = isolatedPDF
	st, err := corpus.Read(context.Background(), strings.NewReader("%PDF-1.4"), "x.pdf", corpus.PDF, func(corpus.Document) error { return nil })
	if err != nil || st.Skipped != 1 || !strings.Contains(st.Problems[0].Err, "stack exceeds") {
		t.Fatalf("read: %v %+v", err, st)
	}
}
