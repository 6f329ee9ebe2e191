package corpus

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for every reader and the chunker. Their seeds run in
// 'make test'; 'make fuzz' runs each for a while. The property: whatever
// the bytes, a reader returns (documents, problems or an error) without
// panicking, every document it emits can be chunked, and every passage
// is a span of its document's text.

func fuzzReader(f *testing.F, format Format, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		_, _ = zw.Write([]byte(s))
		zw.Close()
		f.Add(gz.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		st, err := Read(context.Background(), bytes.NewReader(data), "fuzz", format, func(d Document) error {
			n++
			checkChunks(t, d)
			return nil
		})
		if err == nil && st.Documents != n {
			t.Fatalf("stats count %d documents, %d emitted", st.Documents, n)
		}
	})
}

// checkChunks splits d and checks that passages are in-bounds spans of
// its text (or the whole text, trimmed, for prechunked records).
func checkChunks(t *testing.T, d Document) {
	t.Helper()
	for _, c := range []Chunker{{}, {Words: 5, Overlap: 2}, {Words: 1}} {
		for i, p := range c.Split(d) {
			if p.Ordinal != i || p.ID != PassageID(d.ID, i) || p.DocID != d.ID {
				t.Fatalf("passage %d: %+v", i, p)
			}
			if strings.TrimSpace(p.Text) == "" {
				t.Fatalf("empty passage %d of %q", i, d.Text)
			}
			if d.Prechunked {
				continue
			}
			if p.Start < 0 || p.End > len(d.Text) || p.Start > p.End || d.Text[p.Start:p.End] != p.Text {
				t.Fatalf("passage %d [%d:%d] is not a span of the text (len %d)", i, p.Start, p.End, len(d.Text))
			}
		}
	}
}

func FuzzText(f *testing.F) {
	fuzzReader(f, Text, "Hello. World is big.\n\nSecond paragraph here.", "", "\xff\xfe", strings.Repeat("word ", 50))
}

func FuzzMarkdown(f *testing.F) {
	fuzzReader(f, Markdown, "# Title\n\nSome *text* with [a link](http://x).\n\n```go\ncode\n```\n- item\n", "---\ntitle: x\n---\nbody", "<script>x</script>")
}

func FuzzHTML(f *testing.F) {
	fuzzReader(f, HTML, "<html><head><title>T</title><style>p{}</style></head><body><p>Visible <b>text</b>.</p><script>hidden()</script></body></html>",
		"<p>unclosed <div>", "&amp;&lt;&#x27;")
}

func FuzzPDF(f *testing.F) {
	whole, err := os.ReadFile("testdata/retrieval.pdf")
	if err != nil {
		f.Fatal(err)
	}
	typeset, err := os.ReadFile("testdata/retrieval-groff.pdf")
	if err != nil {
		f.Fatal(err)
	}
	fuzzReader(f, PDF, string(minimalPDF("BT /F1 12 Tf 72 720 Td (Okapis.) Tj ET")), string(whole), string(typeset),
		string(minimalPDF("BT /F1 12 Tf [(a) -200 (b)] TJ ET")), "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n")
}

func FuzzJSONL(f *testing.F) {
	fuzzReader(f, JSONL, `{"id": "a", "title": "T", "text": "Body."}`+"\n"+`{"text": "no id"}`+"\n{broken\n", `{"id": "", "text": ""}`, "[1,2]\n")
}

func FuzzBEIR(f *testing.F) {
	fuzzReader(f, BEIR, `{"_id": "d1", "title": "T", "text": "Abstract."}`+"\n"+`{"_id": 5}`, `{"_id": "x", "text": "", "metadata": {}}`)
}

func FuzzDPR(f *testing.F) {
	fuzzReader(f, DPR, "id\ttext\ttitle\n1\t\"A \"\"quoted\"\" passage.\"\tTitle\n2\tplain\tT2\n", "id\ttext\ttitle\n3\tonly two", "garbage")
}

func FuzzSQuAD(f *testing.F) {
	fuzzReader(f, SQuAD, `{"version": "1.1", "data": [{"title": "T", "paragraphs": [{"context": "C one. C two.", "qas": [{"id": "q", "question": "?", "answers": [{"text": "C", "answer_start": 0}]}]}]}]}`,
		`{"data": [{"paragraphs": [{}]}]}`, `{"data": 5}`, `[`)
}

func FuzzNQ(f *testing.F) {
	fuzzReader(f, NQ, `{"question": "q", "answers": ["a"], "ctxs": [{"id": "1", "title": "T", "text": "a passage", "hasanswer": true, "isgold": true}]}`,
		`{"question": "q", "ctxs": []}`, `{"ctxs": [{"text": 5}]}`)
}

func FuzzChunker(f *testing.F) {
	f.Add("One sentence. Another one! A third? Yes.", 3, 1)
	f.Add("Dr. Smith went to Washington D.C. on Jan. 5. He left.", 4, 0)
	f.Add("   \n\n  ", 10, 3)
	f.Add("日本語の文。もう一つ。", 2, 1)
	f.Fuzz(func(t *testing.T, text string, words, overlap int) {
		if words > 10_000 || words < -10 {
			return
		}
		d := Document{ID: "d", Text: text}
		if !utf8.ValidString(text) {
			d.Text = strings.ToValidUTF8(text, "�")
		}
		ps := Chunker{Words: words, Overlap: overlap}.Split(d)
		for i, p := range ps {
			if p.Start < 0 || p.End > len(d.Text) || d.Text[p.Start:p.End] != p.Text || strings.TrimSpace(p.Text) == "" {
				t.Fatalf("passage %d [%d:%d] of %q", i, p.Start, p.End, d.Text)
			}
		}
		for _, sp := range Sentences(d.Text) {
			if sp.Start < 0 || sp.End > len(d.Text) || sp.Start > sp.End {
				t.Fatalf("sentence span [%d:%d] of %d bytes", sp.Start, sp.End, len(d.Text))
			}
		}
	})
}
