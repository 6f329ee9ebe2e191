package corpus

import (
	"context"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"path/filepath"
	"strings"
	"testing"
)

func readAllDocs(t *testing.T, input, name string, f Format) ([]Document, Stats) {
	t.Helper()
	var docs []Document
	st, err := Read(context.Background(), strings.NewReader(input), name, f, func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return docs, st
}

func readShared(t *testing.T, rel string, f Format) ([]Document, Stats) {
	t.Helper()
	var docs []Document
	st, err := ReadFile(context.Background(), filepath.Join(testenv.SharedData(t), rel), f, func(d Document) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs, st
}

func TestSQuADFile(t *testing.T) {
	docs, st := readShared(t, SQuADDevPath, "")
	if st.Skipped != 0 || len(docs) != 2067 {
		t.Fatalf("got %d paragraphs, %d skipped; want 2067, 0", len(docs), st.Skipped)
	}
	d := docs[0]
	if d.Title != "Super Bowl 50" || !strings.HasPrefix(d.Text, "Super Bowl 50 was an American football game") || !d.Prechunked {
		t.Errorf("first paragraph: %+v", d)
	}
}

func TestNQOracleFile(t *testing.T) {
	docs, st := readShared(t, NQOraclePath, "")
	if st.Skipped != 0 || len(docs) < 2500 || len(docs) > 2655 {
		t.Fatalf("got %d unique passages, %d skipped", len(docs), st.Skipped)
	}
	if docs[0].Title != "List of Nobel laureates in Physics" {
		t.Errorf("first passage title %q", docs[0].Title)
	}
}

func TestBEIRSciFactFile(t *testing.T) {
	docs, st := readShared(t, SciFactCorpus, BEIR)
	if st.Skipped != 0 || len(docs) != 5183 {
		t.Fatalf("got %d abstracts, %d skipped; want 5183", len(docs), st.Skipped)
	}
	if docs[0].ID != "4983" || !strings.HasPrefix(docs[0].Title, "Microstructural development") {
		t.Errorf("first abstract: %s %q", docs[0].ID, docs[0].Title)
	}
}

func TestMalformedLinesAreReportedAndSkipped(t *testing.T) {
	cases := []struct {
		f     Format
		input string
		good  int
		bad   []int
	}{
		{JSONL, "{\"id\":\"a\",\"text\":\"one\"}\n{broken\n{\"id\":7,\"title\":\"T\",\"text\":\"two\"}\n{\"id\":\"c\"}\n", 2, []int{2, 4}},
		{BEIR, "{\"_id\":\"1\",\"title\":\"t\",\"text\":\"x\"}\n{\"title\":\"no id\",\"text\":\"y\"}\n\n{\"_id\":\"3\",\"text\":\"z\"}\n", 2, []int{2}},
		{DPR, "id\ttext\ttitle\n1\t\"A \"\"quoted\"\" word\"\tAaron\n2\tonly two fields\n3\tthird\tThird\n", 2, []int{3}},
		{NQ, "{\"question\":\"q\",\"answers\":[\"a\"],\"ctxs\":[{\"title\":\"T\",\"text\":\"x\"}]}\nnot json\n{\"question\":\"q2\",\"ctxs\":[]}\n", 1, []int{2, 3}},
	}
	for _, c := range cases {
		t.Run(string(c.f), func(t *testing.T) {
			docs, st := readAllDocs(t, c.input, "in."+string(c.f), c.f)
			if len(docs) != c.good || st.Skipped != len(c.bad) {
				t.Fatalf("got %d documents and %d skipped, want %d and %d (%v)", len(docs), st.Skipped, c.good, len(c.bad), st.Problems)
			}
			for i, line := range c.bad {
				if st.Problems[i].Line != line || st.Problems[i].File != "in."+string(c.f) {
					t.Errorf("problem %d at %s:%d, want line %d", i, st.Problems[i].File, st.Problems[i].Line, line)
				}
			}
		})
	}
}

func TestDPRUnquotes(t *testing.T) {
	docs, _ := readAllDocs(t, "id\ttext\ttitle\n1\t\"A \"\"quoted\"\" word\"\tAaron\n", "psgs_w100.tsv", DPR)
	if docs[0].Text != `A "quoted" word` || docs[0].Title != "Aaron" || docs[0].ID != "1" {
		t.Fatalf("got %+v", docs[0])
	}
}

func TestMalformedSQuADIsAnError(t *testing.T) {
	_, err := Read(context.Background(), strings.NewReader(`{"data": [{"title": "x", "paragraphs": [`), "bad.json", SQuAD, func(Document) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}

func TestHTMLVisibleTextOnly(t *testing.T) {
	page := `<html><head><title>Frozen readers</title><style>p{color:red}</style>
<script>alert("x")</script></head><body><h1>Heading</h1><p>Visible <b>text</b> here.</p>
<div hidden>secret one</div><p style="display: none">secret two</p><noscript>secret three</noscript>
<ul><li>First item</li><li>Second item</li></ul></body></html>`
	docs, _ := readAllDocs(t, page, "page.html", HTML)
	d := docs[0]
	if d.Title != "Frozen readers" {
		t.Errorf("title %q", d.Title)
	}
	for _, hidden := range []string{"alert", "color:red", "secret"} {
		if strings.Contains(d.Text, hidden) {
			t.Errorf("text holds hidden %q: %q", hidden, d.Text)
		}
	}
	for _, shown := range []string{"Visible text here.", "First item", "Second item", "Heading"} {
		if !strings.Contains(d.Text, shown) {
			t.Errorf("text lacks %q: %q", shown, d.Text)
		}
	}
}

func TestMarkdownText(t *testing.T) {
	md := "# Configuring the LM\n\nSet `SHOULDERS_LM_URL` to the server's **base URL**.\nIt may end in /v1.\n\n## Tokens\n\n- one [link](http://x.y)\n- two\n\n```sh\nmake run\n```\n"
	docs, _ := readAllDocs(t, md, "docs/config.md", Markdown)
	d := docs[0]
	if d.Title != "Configuring the LM" || d.ID != "docs/config.md" {
		t.Errorf("title %q id %q", d.Title, d.ID)
	}
	for _, want := range []string{"Set SHOULDERS_LM_URL to the server's base URL. It may end in /v1.", "one link", "make run", "Tokens"} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, d.Text)
		}
	}
	if strings.ContainsAny(d.Text, "*`#") {
		t.Errorf("markup left in text:\n%s", d.Text)
	}
}

func TestGzipIsTransparent(t *testing.T) {
	// The shared files are gzip; reading one with an explicit format
	// exercises detection of the magic bytes rather than the name.
	// BEIR records have "_id", not "id": read as generic JSONL they get
	// content IDs, and must still decode.
	docs, st := readShared(t, "scifact/corpus.jsonl.gz", JSONL)
	if len(docs) != 5183 || st.Skipped != 0 || docs[0].ID == "" || docs[0].Text == "" {
		t.Fatalf("gzip JSONL: %d documents, %d skipped", len(docs), st.Skipped)
	}
}

func TestDetectFormat(t *testing.T) {
	for name, want := range map[string]Format{
		"psgs_w100.tsv.gz": DPR, "dev-v1.1.json.gz": SQuAD, "nq-open-oracle.jsonl.gz": NQ,
		"corpus.jsonl": BEIR, "x.jsonl": JSONL, "a.md": Markdown, "b.HTML": HTML, "c.txt": Text, "README": Text,
	} {
		got, err := DetectFormat(name)
		if err != nil || got != want {
			t.Errorf("DetectFormat(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	// Only a .json named like SQuAD's files is SQuAD.
	if f, err := DetectFormat("train-v1.1.txt"); err != nil || f != Text {
		t.Errorf("train-v1.1.txt: %q %v, want text", f, err)
	}
	if _, err := DetectFormat("photo.png"); err == nil {
		t.Error("png: want an error")
	}
}
