package api

import (
	"context"
	"net/http"
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
		// Not answered from BM25 instead, as a failure of Weaviate is.
		AskRequest{Question: q, Documents: []string{"../docs/api.md"}, Retrieval: "weaviate-bm25"},
	} {
		var e errorBody
		if code := h.json("POST", "/v1/ask", body, &e); code != http.StatusBadRequest || e.Error.Code != "invalid_documents" {
			t.Errorf("%.80v: %d %+v", body, code, e)
		}
	}
}
