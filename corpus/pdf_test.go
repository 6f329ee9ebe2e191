package corpus

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// testdata/retrieval.pdf is the project's docs/retrieval.md, as
// testdata/retrieval.md holds it, printed to A4 by Chromium (headless,
// through playwright's page.pdf): two pages of subset TrueType fonts with
// Unicode maps, as browsers and office suites write them.
func TestReadPDF(t *testing.T) {
	var docs []Document
	st, err := ReadFile(context.Background(), "testdata/retrieval.pdf", "", func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil || st.Documents != 1 || st.Skipped != 0 || len(docs) != 1 {
		t.Fatalf("read: %v %+v", err, st)
	}
	d := docs[0]
	if d.ID != "testdata/retrieval.pdf" || d.Source != d.ID || d.Title != "Retrieval modes" {
		t.Errorf("id %q, source %q, title %q", d.ID, d.Source, d.Title)
	}
	// Every paragraph of prose in the source is in the text, word for
	// word; line and page breaks only become white space.
	src, err := os.ReadFile("testdata/retrieval.md")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(d.Text), " ")
	prose, found := 0, 0
	for _, para := range strings.Split(string(src), "\n\n") {
		if para = strings.TrimSpace(para); para == "" || strings.ContainsAny(para[:1], "#|") || strings.HasPrefix(para, "    ") {
			continue
		}
		prose++
		want := strings.Join(strings.Fields(para), " ")
		if strings.Contains(got, want) {
			found++
		} else {
			t.Logf("not found word for word: %.80q", want)
		}
	}
	// A word broken over two lines, such as "--retrieval", reads as two.
	if prose < 10 || found < prose-1 {
		t.Errorf("%d of %d paragraphs found word for word", found, prose)
	}
	if strings.ContainsFunc(d.Text, func(r rune) bool { return r < 0x20 && r != '\n' }) {
		t.Error("control characters in the text")
	}
	// Passages are cut as from any text, on sentence boundaries (the
	// first holds a table, which has none).
	ps := Chunker{}.Split(d)
	ends := 0
	for _, p := range ps {
		if strings.HasSuffix(p.Text, ".") {
			ends++
		}
	}
	if len(ps) < 8 || ends < len(ps)-1 {
		t.Errorf("%d passages, %d ending a sentence", len(ps), ends)
	}
}

// minimalPDF writes a one-page PDF whose page draws content, with the
// cross-reference table a reader needs to find its objects.
func minimalPDF(content string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func readPDFBytes(t *testing.T, name string, b []byte) ([]Document, Stats, error) {
	t.Helper()
	var docs []Document
	f, err := DetectFormat(name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Read(context.Background(), bytes.NewReader(b), name, f, func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	return docs, st, err
}

func TestReadPDFProblems(t *testing.T) {
	text := minimalPDF("BT /F1 12 Tf 72 720 Td (Okapis live in the Ituri rainforest.) Tj ET")
	docs, st, err := readPDFBytes(t, "okapi.pdf", text)
	if err != nil || len(docs) != 1 || docs[0].Text != "Okapis live in the Ituri rainforest." || docs[0].Title != "okapi" {
		t.Fatalf("a plain PDF: %v %+v %+v", err, st, docs)
	}

	whole, _ := os.ReadFile("testdata/retrieval.pdf")
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"scan.pdf", minimalPDF("0 0 1 rg 72 72 200 200 re f"), "no text layer"},
		{"notes.pdf", []byte("These are notes, not a PDF.\n"), "not a PDF"},
		{"cut.pdf", whole[:len(whole)/3], "unreadable PDF"},
		{"empty.pdf", nil, "not a PDF"},
	} {
		docs, st, err := readPDFBytes(t, c.name, c.data)
		if err != nil || len(docs) != 0 || st.Skipped != 1 || !strings.Contains(st.Problems[0].Err, c.want) {
			t.Errorf("%s: %v, %d documents, %+v; want a problem saying %q", c.name, err, len(docs), st, c.want)
		}
	}

	// A PDF named as text is refused, and told how to be read.
	_, _, err = readPDFBytes(t, "okapi.txt", text)
	if !errors.Is(err, ErrNotText) || !strings.Contains(err.Error(), ".pdf") {
		t.Errorf("a PDF named .txt: %v", err)
	}
	if docs, _, err := readPDFBytes(t, "okapi.pdf.gz", gz(text)); err != nil || len(docs) != 1 {
		t.Errorf("a gzipped PDF: %v, %d documents", err, len(docs))
	}
}

// A cancelled read stops between pages and says so.
func TestReadPDFCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f, err := os.Open("testdata/retrieval.pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Read(ctx, f, "retrieval.pdf", PDF, func(Document) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	zw.Close()
	return out.Bytes()
}
