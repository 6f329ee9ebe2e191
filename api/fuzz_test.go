package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/retriever"
)

// Fuzz targets for the request decoders: whatever the body, the answer is
// a 2xx or a 4xx with a JSON error naming the problem, never a 5xx or a
// panic, and a refused write changes nothing stored.

func fuzzServer(f *testing.F) (*Server, *index.Store) {
	store, err := index.OpenStore(f.TempDir(), index.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	rd := &reader.Reader{Retrievers: map[string]retriever.Retriever{"bm25": retriever.BM25{Store: store}},
		DefaultRetrieval: "bm25", Tokens: reader.Estimate{}, Demos: reader.Pools{Store: store}}
	srv := &Server{Reader: rd, Store: store, Ingester: &index.Ingester{Chunker: corpus.Chunker{Words: 40}},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: Limits{MaxBody: 64 << 10, MaxUpload: 64 << 10},
		Feedback: &FeedbackLog{Path: f.TempDir() + "/feedback.jsonl"}}
	col, _ := store.Collection("default", true)
	_ = col.Upsert(context.Background(), srv.Ingester.Entries([]corpus.Document{{ID: "a", Title: "Packing", Text: "Packing fills the budget greedily."}}))
	return srv, store
}

func fuzzEndpoint(f *testing.F, method, path string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	srv, store := fuzzServer(f)
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		before := passages(store)
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%d for %q: %s", w.Code, body, w.Body.String())
		}
		if w.Code >= 400 {
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%d without a JSON error: %s", w.Code, w.Body.String())
			}
			if after := passages(store); after != before {
				t.Fatalf("a refused request changed the store: %d -> %d passages", before, after)
			}
		}
	})
}

func passages(s *index.Store) uint64 {
	var n uint64
	names, _ := s.Collections()
	for _, name := range names {
		if c, err := s.Collection(name, false); err == nil {
			k, _ := c.PassageCount()
			n += k
		}
	}
	return n
}

func FuzzAskRequest(f *testing.F) {
	fuzzEndpoint(f, "POST", "/v1/ask", `{"question": "What does packing do?"}`, `{"question": "x", "k": -1}`,
		`{"question": "x", "recursion": {"mode": "textual", "samples": 3}}`, `{"question": "x", "demos": {"pool": "p", "k": 2, "share": 0.5}}`,
		`{"question": "x", "collection": "Bad Name"}`, `{"question": "\u0000"}`, `{"question": 5}`, `{`, ``, `{"question": "x"} trailing`)
}

func FuzzSearchRequest(f *testing.F) {
	fuzzEndpoint(f, "POST", "/v1/search", `{"query": "packing", "k": 3, "rerank": false}`, `{"query": ""}`, `{"query": "x", "retrieval": "magic"}`, `[]`)
}

func FuzzIngestRequest(f *testing.F) {
	fuzzEndpoint(f, "POST", "/v1/documents", `{"documents": [{"id": "b", "title": "T", "text": "Body text."}]}`,
		`{"collection": "c", "documents": [{"text": "no id", "metadata": {"k": "v"}}]}`, `{"documents": []}`,
		`{"documents": [{"id": "x\u0001", "text": "t"}]}`, `{"documents": [{"id": "e", "text": "  "}]}`)
}

func FuzzFeedbackRequest(f *testing.F) {
	fuzzEndpoint(f, "POST", "/v1/feedback", `{"kind": "answer", "helpful": true, "question": "q", "answer": "a"}`,
		`{"kind": "passage", "question": "q"}`, `{"kind": "other"}`)
}
