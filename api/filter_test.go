package api

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/retriever"
)

// Questions and searches limited to some of the project's docs draw
// every candidate from those documents.
func TestAskWithinDocuments(t *testing.T) {
	h := newHarness(t, nil)
	srcs, _, err := index.FileSources([]string{"../docs"}, "")
	if err != nil {
		t.Fatal(err)
	}
	col, err := h.store.Collection("default", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Ingester.Ingest(context.Background(), col, srcs); err != nil {
		t.Fatal(err)
	}
	const q = "How do I configure the LM?"
	var all reader.Answer
	if code := h.json("POST", "/v1/ask", AskRequest{Question: q}, &all); code != 200 || len(all.Packed) == 0 {
		t.Fatalf("unfiltered: %d", code)
	}
	for _, docs := range [][]string{{"../docs/api.md"}, {"../docs/re*"}, {"../docs/api.md", "../docs/formats.md"}} {
		in := func(id string) bool {
			for _, d := range docs {
				if p, ok := strings.CutSuffix(d, "*"); ok && strings.HasPrefix(id, p) || id == d {
					return true
				}
			}
			return false
		}
		var a reader.Answer
		if code := h.json("POST", "/v1/ask", AskRequest{Question: q, Documents: docs}, &a); code != 200 || len(a.Packed) == 0 {
			t.Fatalf("%v: %d, %d packed", docs, code, len(a.Packed))
		}
		for _, p := range a.Packed {
			if !in(p.Passage.DocID) {
				t.Fatalf("%v: %s is packed", docs, p.Passage.ID)
			}
		}
		for _, c := range a.Left {
			if !in(c.Passage.DocID) {
				t.Fatalf("%v: %s is a candidate", docs, c.Passage.ID)
			}
		}
		for _, c := range a.Citations {
			if !in(c.DocID) {
				t.Fatalf("%v: cites %s", docs, c.DocID)
			}
		}
		var s SearchResponse
		if code := h.json("POST", "/v1/search", SearchRequest{Query: q, Documents: docs, K: 1000}, &s); code != 200 || len(s.Results) == 0 {
			t.Fatalf("%v: search %d", docs, code)
		}
		for _, c := range s.Results {
			if !in(c.Passage.DocID) {
				t.Fatalf("%v: search finds %s", docs, c.Passage.ID)
			}
		}
	}
	if in := all.Packed[0].Passage.DocID; in == "../docs/api.md" {
		t.Fatal("the unfiltered answer comes from api.md already: the filter shows nothing")
	}

	many := make([]string, index.MaxFilterEntries+1)
	for i := range many {
		many[i] = "doc"
	}
	h.srv.Reader.Retrievers["weaviate-bm25"] = retriever.WeaviateBM25{Store: h.store}
	for _, body := range []any{
		AskRequest{Question: q, Documents: []string{""}},
		AskRequest{Question: q, Documents: []string{"*"}},
		AskRequest{Question: q, Documents: []string{"a*b"}},
		AskRequest{Question: q, Documents: many},
	} {
		var e errorBody
		if code := h.json("POST", "/v1/ask", body, &e); code != http.StatusBadRequest || e.Error.Code != "invalid_documents" {
			t.Errorf("%.80v: %d %+v", body, code, e)
		}
	}
	// Not answered from BM25 instead, as a failure of Weaviate is.
	var e errorBody
	if code := h.json("POST", "/v1/ask", AskRequest{Question: q, Documents: []string{"../docs/api.md"}, Retrieval: "weaviate-bm25"}, &e); code != http.StatusBadRequest || e.Error.Code != "unsupported_filter" {
		t.Errorf("weaviate-bm25 with a filter: %d %+v", code, e)
	}
}

// Documents sent with metadata can be asked about by it: a value, or any
// of a list of values, for each key named.
func TestAskByMetadata(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	var resp IngestResponse
	code := h.json("POST", "/v1/documents", map[string]any{"documents": []map[string]any{
		{"id": "platform/lm.md", "title": "LM settings of the platform team", "metadata": map[string]string{"team": "platform", "year": "2026"},
			"text": "The platform team points SHOULDERS_LM_URL at its own vLLM server and sets SHOULDERS_LM_MODEL to the model it serves."},
		{"id": "research/lm.md", "title": "LM settings of the research team", "metadata": map[string]string{"team": "research", "year": "2025"},
			"text": "The research team configures the LM with a hosted OpenAI-compatible endpoint, through SHOULDERS_LM_URL and an API key."},
	}}, &resp)
	if code != http.StatusCreated {
		t.Fatalf("ingest: %d", code)
	}
	const q = "How do I configure the LM?"
	for _, c := range []struct {
		meta string
		want []string
	}{
		{`{"team": "platform"}`, []string{"platform/lm.md"}},
		{`{"team": ["platform", "research"], "year": "2025"}`, []string{"research/lm.md"}},
		{`{"team": ["platform", "research"]}`, []string{"platform/lm.md", "research/lm.md"}},
	} {
		var a reader.Answer
		if code := h.json("POST", "/v1/ask", `{"question": "`+q+`", "metadata": `+c.meta+`}`, &a); code != 200 {
			t.Fatalf("%s: %d", c.meta, code)
		}
		got := map[string]bool{}
		for _, p := range a.Packed {
			got[p.Passage.DocID] = true
		}
		for _, l := range a.Left {
			got[l.Passage.DocID] = true
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: candidates from %v, want %v", c.meta, got, c.want)
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("%s: no candidate from %s (%v)", c.meta, w, got)
			}
		}
	}
	var all reader.Answer
	if code := h.json("POST", "/v1/ask", AskRequest{Question: q}, &all); code != 200 || len(all.Packed)+len(all.Left) < 3 {
		t.Fatalf("unfiltered: %d, %d candidates", code, len(all.Packed)+len(all.Left))
	}
	for body, want := range map[string]string{
		`{"question": "q", "metadata": {"": "x"}}`:        "invalid_metadata",
		`{"question": "q", "metadata": {"team": []}}`:     "invalid_metadata",
		`{"question": "q", "metadata": {"team": 5}}`:      "invalid_json",
		`{"question": "q", "metadata": {"team": [true]}}`: "invalid_json",
	} {
		var e errorBody
		if code := h.json("POST", "/v1/ask", body, &e); code != http.StatusBadRequest || e.Error.Code != want {
			t.Errorf("%s: %d %+v, want %s", body, code, e, want)
		}
	}
}

// Uploaded files carry no metadata of their own: the upload's metadata
// field tags each document read, and a question can then be limited by it.
func TestUploadTagsFilesWithMetadata(t *testing.T) {
	h := newHarness(t, nil)
	upload := func(name, text, meta string) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write([]byte(text))
		if meta != "" {
			_ = mw.WriteField("metadata", meta)
		}
		mw.Close()
		return h.do("POST", "/v1/documents", mw.FormDataContentType(), &buf)
	}
	if w := upload("hr-leave.md", "# Leave\n\nStaff take 28 days of paid leave a year, booked through the HR portal.\n", `{"team": "hr"}`); w.Code != 201 {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	if w := upload("eng-leave.md", "# Leave in engineering\n\nEngineers book paid leave two weeks ahead, so that on-call can be covered.\n", `{"team": "engineering"}`); w.Code != 201 {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	var rec index.DocRecord
	if code := h.json("GET", "/v1/documents/hr-leave.md", nil, &rec); code != 200 || rec.Metadata["team"] != "hr" {
		t.Fatalf("record: %d %+v", code, rec)
	}
	for team, want := range map[string]string{"hr": "hr-leave.md", "engineering": "eng-leave.md"} {
		var s SearchResponse
		if code := h.json("POST", "/v1/search", map[string]any{"query": "how do I book paid leave", "metadata": map[string]string{"team": team}}, &s); code != 200 || len(s.Results) != 1 || s.Results[0].Passage.DocID != want {
			t.Fatalf("team %s: %d %+v", team, code, s.Results)
		}
	}
	for _, bad := range []string{`["hr"]`, `{"team": 5}`, `{"": "x"}`, `not json`} {
		if w := upload("x.md", "# X\n\nText.\n", bad); w.Code != 400 || !strings.Contains(w.Body.String(), "invalid_metadata") {
			t.Errorf("metadata %s: %d %s", bad, w.Code, w.Body.String())
		}
	}
}
