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

// The fixtures are the project's docs/retrieval.md (as testdata/retrieval.md
// holds it) written out by two kinds of PDF writer:
//   - retrieval.pdf: printed to A4 by Chromium (headless, through
//     playwright's page.pdf), as browsers and office suites write: each
//     line drawn whole, spaces included, in two-byte fonts;
//   - retrieval-groff.pdf: typeset from retrieval.ms by groff -ms -Tpdf,
//     as typesetters such as TeX write: words placed one by one, words
//     split where they kern, lines moved to without a line break, and
//     words hyphenated across lines.
func TestReadPDF(t *testing.T) {
	src, err := os.ReadFile("testdata/retrieval.md")
	if err != nil {
		t.Fatal(err)
	}
	// Typesetters curl quotes; nothing else may differ.
	quotes := strings.NewReplacer("‘", "'", "’", "'", "`", "'")
	for _, c := range []struct {
		file, title string
		headings    bool
	}{
		{"testdata/retrieval.pdf", "Retrieval modes", true},
		{"testdata/retrieval-groff.pdf", "retrieval-groff", true},
	} {
		var docs []Document
		st, err := ReadFile(context.Background(), c.file, "", func(d Document) error {
			docs = append(docs, d)
			return nil
		})
		if err != nil || st.Documents != 1 || st.Skipped != 0 || len(docs) != 1 {
			t.Fatalf("%s: %v %+v", c.file, err, st)
		}
		d := docs[0]
		if d.ID != c.file || d.Source != d.ID || d.Title != c.title {
			t.Errorf("%s: id %q, source %q, title %q", c.file, d.ID, d.Source, d.Title)
		}
		// Every paragraph of prose in the source is in the text, word for
		// word, and a paragraph of its own.
		paras := map[string]bool{}
		for _, p := range strings.Split(d.Text, "\n\n") {
			paras[quotes.Replace(strings.Join(strings.Fields(p), " "))] = true
		}
		got := quotes.Replace(strings.Join(strings.Fields(d.Text), " "))
		prose, found, whole := 0, 0, 0
		for _, para := range strings.Split(string(src), "\n\n") {
			if para = strings.TrimSpace(para); para == "" || strings.ContainsAny(para[:1], "|") || strings.HasPrefix(para, "    ") {
				continue
			}
			want := quotes.Replace(strings.Join(strings.Fields(strings.TrimLeft(para, "# ")), " "))
			if strings.HasPrefix(para, "#") {
				if c.headings && !paras[want] {
					t.Errorf("%s: heading %q is not a paragraph of its own", c.file, want)
				}
				continue
			}
			prose++
			if strings.Contains(got, want) {
				found++
			} else {
				t.Logf("%s: not found word for word: %.80q", c.file, want)
			}
			if paras[want] {
				whole++
			}
		}
		// A flag broken after its dashes ("--" "dir") reads as two words.
		if prose < 10 || found < prose-1 || whole < prose-1 {
			t.Errorf("%s: of %d paragraphs, %d found word for word, %d as paragraphs", c.file, prose, found, whole)
		}
		if strings.ContainsFunc(d.Text, func(r rune) bool { return r < 0x20 && r != '\n' }) {
			t.Errorf("%s: control characters in the text", c.file)
		}
		// Passages are cut as from any text, on sentence boundaries (the
		// first of Chromium's holds a table, which has none).
		ps := Chunker{}.Split(d)
		ends := 0
		for _, p := range ps {
			if strings.HasSuffix(p.Text, ".") {
				ends++
			}
		}
		if len(ps) < 8 || ends < len(ps)-1 {
			t.Errorf("%s: %d passages, %d ending a sentence", c.file, len(ps), ends)
		}
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
