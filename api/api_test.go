package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
	"github.com/shoulders-qa/shoulders/retriever"
)

type harness struct {
	t     *testing.T
	srv   *Server
	h     http.Handler
	store *index.Store
}

func newHarness(t *testing.T, lm reader.LM) *harness {
	t.Helper()
	store, err := index.OpenStore(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rd := &reader.Reader{
		Retrievers:       map[string]retriever.Retriever{"bm25": retriever.BM25{Store: store}},
		DefaultRetrieval: "bm25", LM: lm, Tokens: reader.NewTokenCounter("", "cl100k_base"),
		Config: reader.Config{ContextTokens: 2048, AnswerReserve: 128},
	}
	srv := &Server{Reader: rd, Store: store, Ingester: &index.Ingester{Chunker: corpus.Chunker{Words: 60}},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limits: Limits{MaxBody: 1 << 20, MaxUpload: 1 << 20}}
	return &harness{t: t, srv: srv, h: srv.Handler(), store: store}
}

func (h *harness) do(method, path, ctype string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, req)
	return w
}

func (h *harness) json(method, path string, body any, out any) int {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	w := h.do(method, path, "application/json", r)
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			h.t.Fatalf("%s %s: %d %s: %v", method, path, w.Code, w.Body.String(), err)
		}
	}
	return w.Code
}

const lmDoc = `Configuring the LM. Set SHOULDERS_LM_URL to the base URL of an OpenAI-compatible server, and SHOULDERS_LM_MODEL to the model name. Without them, Shoulders answers with evidence.`

func (h *harness) seed() {
	h.t.Helper()
	var resp IngestResponse
	code := h.json("POST", "/v1/documents", IngestRequest{Documents: []corpus.Document{
		{ID: "docs/config.md", Title: "Configuration", Text: lmDoc},
		{ID: "docs/api.md", Title: "API", Text: "The API answers POST /v1/ask with JSON or server-sent events. Search is POST /v1/search."},
		{Title: "Cooking", Text: "Bread needs flour, water, salt and yeast."},
	}}, &resp)
	if code != http.StatusCreated || resp.Documents != 3 || resp.Passages < 3 || len(resp.DocIDs) != 3 {
		h.t.Fatalf("seed: %d %+v", code, resp)
	}
}

func TestAskEvidence(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	var a reader.Answer
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "How do I configure the LM?"}, &a); code != 200 {
		t.Fatalf("ask: %d", code)
	}
	if a.Mode != reader.ModeEvidence || !strings.Contains(a.Answer, "SHOULDERS_LM_URL") || len(a.Citations) == 0 {
		t.Fatalf("answer %+v", a)
	}
	if a.Citations[0].PassageID != "docs/config.md#0" || a.Citations[0].Text == "" {
		t.Fatalf("citation %+v", a.Citations[0])
	}
	if len(a.Packed) == 0 || a.Packed[0].Tokens == 0 || a.Tokens.Used > a.Tokens.Budget || a.Timing.TotalMS <= 0 {
		t.Fatalf("packing report: %+v %+v", a.Tokens, a.Timing)
	}
}

func TestAskGeneratedAndStreamed(t *testing.T) {
	lmSrv := openaitest.New("test-model")
	defer lmSrv.Close()
	lm, _ := openai.New(openai.Config{URL: lmSrv.URL, Model: "test-model", Timeout: 5 * time.Second})
	h := newHarness(t, lm)
	h.seed()

	var a reader.Answer
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "How do I configure the LM?"}, &a); code != 200 {
		t.Fatalf("ask: %d", code)
	}
	if a.Mode != reader.ModeGenerated || a.Answer != "Configuring the LM. [1]" || len(a.Citations) != 1 || a.Model != "test-model" {
		t.Fatalf("answer %+v", a)
	}
	if !strings.Contains(lmSrv.LastPrompt(), "SHOULDERS_LM_URL") {
		t.Fatal("packed passage not in the prompt")
	}

	body, _ := json.Marshal(AskRequest{Question: "How do I configure the LM?"})
	w := h.do("POST", "/v1/ask", "application/json", bytes.NewReader(body), "Accept", "text/event-stream")
	events := parseSSE(t, w.Body.String())
	tokens, final := streamed(events)
	if len(tokens) < 3 || strings.Join(tokens, "") != final.Answer || len(final.Citations) != 1 {
		t.Fatalf("stream: tokens %q, answer %+v", tokens, final)
	}
	if events[len(events)-1].name != "done" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream does not end with done: %v", events)
	}

	// An LM failure before the first token is a JSON error on both paths:
	// nothing was streamed, so the status can still say what went wrong.
	lmSrv.Fail(10, http.StatusInternalServerError, `{"error":{"message":"boom"}}`)
	var e errorBody
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "configure LM"}, &e); code != http.StatusBadGateway || e.Error.Code != reader.CodeLMError {
		t.Fatalf("LM failure: %d %+v", code, e)
	}
	lmSrv.Fail(10, http.StatusInternalServerError, `{"error":{"message":"boom"}}`)
	w = h.do("POST", "/v1/ask", "application/json", bytes.NewReader(body), "Accept", "text/event-stream")
	if e := streamRefusal(t, w, http.StatusBadGateway); e.Code != reader.CodeLMError {
		t.Fatalf("stream with LM failure: %+v", e)
	}

	// So are the refusals known before anything is read.
	for _, c := range []struct {
		req    string
		status int
		code   string
	}{
		{`{"question": "configure LM", "collection": "nowhere"}`, http.StatusNotFound, "collection_not_found"},
		{`{"question": "configure LM", "retrieval": "psychic"}`, http.StatusBadRequest, "unknown_retrieval"},
		{`{"question": "configure LM", "demos": {"pool": "none", "k": 2}}`, http.StatusNotFound, "demo_pool_not_found"},
	} {
		w = h.do("POST", "/v1/ask", "application/json", strings.NewReader(c.req), "Accept", "text/event-stream")
		if e := streamRefusal(t, w, c.status); e.Code != c.code {
			t.Fatalf("%s: %+v, want %s", c.req, e, c.code)
		}
	}
}

// streamRefusal checks that a streaming request was answered with status
// and a JSON error rather than a stream, and returns the error.
func streamRefusal(t *testing.T, w *httptest.ResponseRecorder, status int) Error {
	t.Helper()
	var e errorBody
	if w.Code != status || strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") || json.Unmarshal(w.Body.Bytes(), &e) != nil {
		t.Fatalf("want %d and a JSON error, got %d %q: %s", status, w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	return e.Error
}

type sseEvent struct{ name, data string }

// streamed collects a stream's token texts and its final answer.
func streamed(events []sseEvent) ([]string, reader.Answer) {
	var tokens []string
	var final reader.Answer
	for _, e := range events {
		switch e.name {
		case "token":
			var d struct{ Text string }
			_ = json.Unmarshal([]byte(e.data), &d)
			tokens = append(tokens, d.Text)
		case "answer":
			_ = json.Unmarshal([]byte(e.data), &final)
		}
	}
	return tokens, final
}

func parseSSE(t *testing.T, s string) []sseEvent {
	var out []sseEvent
	for _, block := range strings.Split(s, "\n\n") {
		var e sseEvent
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "event:"):
				e.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				e.data += strings.TrimPrefix(line, "data:")
			}
		}
		if e.name != "" {
			out = append(out, e)
		}
	}
	return out
}

func TestSearch(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	var r SearchResponse
	if code := h.json("POST", "/v1/search", SearchRequest{Query: "flour yeast", K: 2}, &r); code != 200 {
		t.Fatalf("search %d", code)
	}
	if len(r.Results) != 1 || r.Results[0].Passage.Title != "Cooking" || r.Results[0].Rank != 1 || r.Results[0].Sources[0].Retriever != "bm25" {
		t.Fatalf("results %+v", r.Results)
	}
	if code := h.json("POST", "/v1/search", SearchRequest{Query: "no such words zzzq"}, &r); code != 200 || r.Results == nil || len(r.Results) != 0 {
		t.Fatalf("no hits: %d %+v", code, r.Results)
	}
}

func TestDocumentsLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	// Upload a Markdown file and a file whose format is unknown.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("collection", "team")
	fw, _ := mw.CreateFormFile("file", "guide.md")
	_, _ = fw.Write([]byte("# Onboarding guide\n\nThe quarterly offsite happens in Lisbon every May.\n"))
	fw, _ = mw.CreateFormFile("file", "photo.png")
	_, _ = fw.Write([]byte{0x89, 'P', 'N', 'G'})
	mw.Close()
	w := h.do("POST", "/v1/documents", mw.FormDataContentType(), &buf)
	var resp IngestResponse
	_ = json.Unmarshal(w.Body.Bytes(), &resp)
	if w.Code != http.StatusCreated || resp.Documents != 1 || resp.Collection != "team" || len(resp.Files) != 2 || resp.Files[1].Error == "" {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}

	var a reader.Answer
	h.json("POST", "/v1/ask", AskRequest{Question: "Where is the offsite?", Collection: "team"}, &a)
	if !strings.Contains(a.Answer, "Lisbon") {
		t.Fatalf("uploaded content not found: %+v", a)
	}
	// The default collection does not see it.
	var e errorBody
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "Where is the offsite?"}, &e); code != 404 || e.Error.Code != "collection_not_found" {
		t.Fatalf("other collection: %d %+v", code, e)
	}

	var doc DocumentResponse
	if code := h.json("GET", "/v1/documents/guide.md?collection=team", nil, &doc); code != 200 || doc.Title != "Onboarding guide" || !strings.Contains(doc.Text, "Lisbon") || len(doc.Passages) != 1 {
		t.Fatalf("get: %d %+v", code, doc)
	}
	var list struct {
		Total     int
		Documents []index.DocRecord
	}
	if code := h.json("GET", "/v1/documents?collection=team", nil, &list); code != 200 || list.Total != 1 || list.Documents[0].ID != "guide.md" {
		t.Fatalf("list: %d %+v", code, list)
	}
	if code := h.json("DELETE", "/v1/documents/guide.md?collection=team", nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if code := h.json("GET", "/v1/documents/guide.md?collection=team", nil, &e); code != 404 || e.Error.Code != "not_found" {
		t.Fatalf("get after delete: %d %+v", code, e)
	}
	if code := h.json("DELETE", "/v1/documents/guide.md?collection=team", nil, &e); code != 404 {
		t.Fatalf("second delete: %d", code)
	}
	h.json("POST", "/v1/ask", AskRequest{Question: "Where is the offsite?", Collection: "team"}, &a)
	if strings.Contains(a.Answer, "Lisbon") || len(a.Packed) != 0 {
		t.Fatalf("deleted content still answers: %+v", a)
	}
}

func TestDocumentIDsWithSlashes(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	var doc DocumentResponse
	for _, path := range []string{"/v1/documents/docs/config.md", "/v1/documents/docs%2Fconfig.md"} {
		if code := h.json("GET", path, nil, &doc); code != 200 || doc.ID != "docs/config.md" {
			t.Fatalf("%s: %d %+v", path, code, doc)
		}
	}
}

func TestErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	big := `{"question": "` + strings.Repeat("a", 2<<20) + `"}`
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"empty question", "POST", "/v1/ask", "application/json", `{"question": "  "}`, 400, "empty_question"},
		{"unknown field", "POST", "/v1/ask", "application/json", `{"question": "x", "temperature": 2}`, 400, "unknown_field"},
		{"bad json", "POST", "/v1/ask", "application/json", `{"question": `, 400, "invalid_json"},
		{"wrong type", "POST", "/v1/ask", "application/json", `{"question": 5}`, 400, "invalid_field"},
		{"trailing data", "POST", "/v1/ask", "application/json", `{"question": "x"} {}`, 400, "invalid_json"},
		{"empty body", "POST", "/v1/ask", "application/json", ``, 400, "empty_body"},
		{"oversized", "POST", "/v1/ask", "application/json", big, 413, "body_too_large"},
		{"content type", "POST", "/v1/ask", "text/plain", `{"question": "x"}`, 415, "unsupported_media_type"},
		{"long question", "POST", "/v1/ask", "application/json", `{"question": "` + strings.Repeat("a", 3000) + `"}`, 400, "question_too_long"},
		{"bad k", "POST", "/v1/ask", "application/json", `{"question": "x", "k": -1}`, 400, "invalid_k"},
		{"bad budget", "POST", "/v1/ask", "application/json", `{"question": "x", "budget": 99999999}`, 400, "invalid_budget"},
		{"bad policy", "POST", "/v1/ask", "application/json", `{"question": "x", "policy": "random"}`, 400, "invalid_policy"},
		{"bad retrieval", "POST", "/v1/ask", "application/json", `{"question": "x", "retrieval": "magic"}`, 400, "unknown_retrieval"},
		{"bad collection", "POST", "/v1/ask", "application/json", `{"question": "x", "collection": "../x"}`, 400, "invalid_collection"},
		{"missing collection", "POST", "/v1/search", "application/json", `{"query": "x", "collection": "nope"}`, 404, "collection_not_found"},
		{"empty query", "POST", "/v1/search", "application/json", `{"query": ""}`, 400, "empty_query"},
		{"no documents", "POST", "/v1/documents", "application/json", `{"documents": []}`, 400, "no_documents"},
		{"empty text", "POST", "/v1/documents", "application/json", `{"documents": [{"id": "a", "text": " "}]}`, 400, "empty_text"},
		{"bad id", "POST", "/v1/documents", "application/json", `{"documents": [{"id": "a\u0001", "text": "x"}]}`, 400, "invalid_id"},
		{"no files", "POST", "/v1/documents", "multipart/form-data; boundary=x", "--x--\r\n", 400, "no_files"},
		{"bad paging", "GET", "/v1/documents?limit=0", "", "", 400, "invalid_paging"},
		{"missing doc", "GET", "/v1/documents/nope", "", "", 404, "not_found"},
		{"no route", "GET", "/v2/anything", "", "", 404, "not_found"},
		{"bad method", "PUT", "/v1/ask", "", "", 405, "method_not_allowed"},
		{"bad recursion", "POST", "/v1/ask", "application/json", `{"question": "x", "recursion": {"mode": "spiral"}}`, 400, "invalid_recursion"},
		{"too many samples", "POST", "/v1/ask", "application/json", `{"question": "x", "recursion": {"mode": "vote", "samples": 99}}`, 400, "invalid_recursion"},
		{"bad demos k", "POST", "/v1/ask", "application/json", `{"question": "x", "demos": {"pool": "faq", "k": 500}}`, 400, "invalid_demos"},
		{"bad demos pool", "POST", "/v1/ask", "application/json", `{"question": "x", "demos": {"pool": "../faq"}}`, 400, "invalid_demos"},
		{"recursion without LM", "POST", "/v1/ask", "application/json", `{"question": "x", "recursion": {"mode": "textual"}}`, 400, "lm_required"},
		{"demos without LM", "POST", "/v1/ask", "application/json", `{"question": "x", "demos": {"pool": "faq"}}`, 400, "lm_required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := h.do(c.method, c.path, c.ctype, strings.NewReader(c.body))
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != c.status || e.Error.Code != c.code || e.Error.Message == "" {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body.String(), c.status, c.code)
			}
		})
	}
	// Nothing stored was lost to the bad requests.
	col, _ := h.store.Collection("default", false)
	if recs, total, _ := col.Documents(context.Background(), 0, 10); total != 3 || len(recs) != 3 {
		t.Fatalf("after bad requests: %d documents", total)
	}
}

const faq = `{"question": "How do I configure the retrieval mode?", "answer": "set retrieval to bm25, dense or hybrid", "title": "Retrieval", "passage": "Each request may set retrieval to bm25, dense or hybrid."}
{"question": "How do I turn the re-ranker off?", "answer": "rerank: false"}
`

func TestAskRecursionAndDemos(t *testing.T) {
	lmSrv := openaitest.New("m")
	defer lmSrv.Close()
	lm, _ := openai.New(openai.Config{URL: lmSrv.URL, Model: "m", Timeout: 5 * time.Second})
	h := newHarness(t, lm)
	h.seed()
	demos, err := reader.ReadDemos(strings.NewReader(faq), "faq.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if err := reader.WritePool(context.Background(), h.store, "faq", demos); err != nil {
		t.Fatal(err)
	}
	h.srv.Reader.Demos = reader.Pools{Store: h.store}
	samples := []string{"Set SHOULDERS_LM_URL [1]", "SHOULDERS_LM_MODEL [1]", "set SHOULDERS_LM_URL."}
	lmSrv.SetResponder(func(p string, i int) string {
		if strings.Contains(p, "<candidate ") {
			return openaitest.Answer(p)
		}
		return samples[i%len(samples)]
	})

	// Pools are listed apart from collections.
	var cols struct {
		Collections []string `json:"collections"`
		DemoPools   []string `json:"demo_pools"`
	}
	var cfg struct {
		DemoPools []string `json:"demo_pools"`
	}
	h.json("GET", "/v1/collections", nil, &cols)
	h.json("GET", "/v1/config", nil, &cfg)
	if strings.Join(cols.DemoPools, ",") != "faq" || strings.Join(cfg.DemoPools, ",") != "faq" || strings.Contains(strings.Join(cols.Collections, ","), "faq") {
		t.Fatalf("collections %+v, config pools %v", cols, cfg.DemoPools)
	}

	req := AskRequest{Question: "How do I configure the LM?", Recursion: &reader.Recursion{Mode: reader.RecursionTextual, Samples: 3},
		Demos: &reader.Demos{Pool: "faq", K: 2}}
	var a reader.Answer
	if code := h.json("POST", "/v1/ask", req, &a); code != 200 {
		t.Fatalf("ask: %d", code)
	}
	r := a.Recursion
	if r == nil || r.Mode != reader.RecursionTextual || len(r.Candidates) != 2 || r.Candidates[0].Count != 2 || len(r.Passes) != 2 {
		t.Fatalf("recursion %+v", r)
	}
	if a.Answer != "Set SHOULDERS_LM_URL [1]" || len(a.Citations) != 1 || a.Tokens.Prompt != r.Passes[0].PromptTokens+r.Passes[1].PromptTokens {
		t.Fatalf("answer %q, citations %+v, tokens %+v", a.Answer, a.Citations, a.Tokens)
	}
	if len(a.Demos) == 0 || a.Demos[0].Question != "How do I configure the retrieval mode?" || a.Tokens.Demos == 0 {
		t.Fatalf("demos %+v, tokens %+v", a.Demos, a.Tokens)
	}

	// The stream carries the final pass only, then the answer with its candidates.
	body, _ := json.Marshal(req)
	w := h.do("POST", "/v1/ask", "application/json", bytes.NewReader(body), "Accept", "text/event-stream")
	tokens, final := streamed(parseSSE(t, w.Body.String()))
	if strings.Join(tokens, "") != final.Answer || final.Recursion == nil || len(final.Recursion.Candidates) != 2 {
		t.Fatalf("stream: tokens %q, answer %+v", tokens, final)
	}

	// A failed second pass is an error event and no answer, even after tokens.
	lmSrv.SetCutStream(true)
	w = h.do("POST", "/v1/ask", "application/json", bytes.NewReader(body), "Accept", "text/event-stream")
	lmSrv.SetCutStream(false)
	if ev := parseSSE(t, w.Body.String()); len(ev) < 2 || ev[len(ev)-2].name != "error" || strings.Contains(w.Body.String(), "event:answer") ||
		!strings.Contains(ev[len(ev)-2].data, "final pass") {
		t.Fatalf("cut second pass: %s", w.Body.String())
	}
	var e errorBody
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "x", Demos: &reader.Demos{Pool: "nope"}}, &e); code != 404 || e.Error.Code != "demo_pool_not_found" {
		t.Fatalf("unknown pool: %d %+v", code, e)
	}
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "x", Demos: &reader.Demos{Pool: "default"}}, &e); code != 404 || e.Error.Code != "demo_pool_not_found" {
		t.Fatalf("collection as pool: %d %+v", code, e)
	}
}

func TestUploadTooLarge(t *testing.T) {
	h := newHarness(t, nil)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "big.txt")
	_, _ = fw.Write(bytes.Repeat([]byte("word "), 300_000))
	mw.Close()
	w := h.do("POST", "/v1/documents", mw.FormDataContentType(), &buf)
	if w.Code != 413 || !strings.Contains(w.Body.String(), "upload_too_large") {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
}

// Files are checked by content, not by name: a PDF or an image renamed
// .txt is refused, while the text files and PDFs beside it are read.
func TestUploadChecksContent(t *testing.T) {
	h := newHarness(t, nil)
	pdf, err := os.ReadFile("../corpus/testdata/retrieval.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, body := range map[string][]byte{
		"report.txt": append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), bytes.Repeat([]byte{0, 1, 2}, 200)...),
		"photo.md":   append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...),
		"notes.txt":  []byte("Packing fills the budget greedily, in score order."),
		"modes.pdf":  pdf,
	} {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(body)
	}
	mw.Close()
	w := h.do("POST", "/v1/documents", mw.FormDataContentType(), &buf)
	var resp IngestResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != 201 || resp.Documents != 2 {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
	for _, f := range resp.Files {
		bad := f.Name != "notes.txt" && f.Name != "modes.pdf"
		if bad != strings.Contains(f.Error, "not text") {
			t.Errorf("%s: error %q", f.Name, f.Error)
		}
	}
	if !strings.Contains(w.Body.String(), "application/pdf") || !strings.Contains(w.Body.String(), "image/png") {
		t.Fatalf("the errors should say what the content looks like: %s", w.Body.String())
	}
	var doc struct {
		Title    string `json:"title"`
		Passages int    `json:"passages"`
	}
	if code := h.json("GET", "/v1/documents/modes.pdf", nil, &doc); code != 200 || doc.Title != "Retrieval modes" || doc.Passages < 8 {
		t.Fatalf("the PDF's record: %d %+v", code, doc)
	}
}

func TestHealth(t *testing.T) {
	h := newHarness(t, nil)
	var r map[string]any
	if code := h.json("GET", "/healthz", nil, &r); code != 200 || r["status"] != "ok" {
		t.Fatalf("healthz %d %v", code, r)
	}
	if code := h.json("GET", "/readyz", nil, &r); code != 200 || r["status"] != "ready" {
		t.Fatalf("readyz %d %v", code, r)
	}
	checks := r["checks"].(map[string]any)
	if !strings.Contains(checks["lm"].(string), "evidence") {
		t.Fatalf("readyz does not report evidence mode: %v", checks)
	}
}

func TestFeedbackIsStoredDurably(t *testing.T) {
	h := newHarness(t, nil)
	path := filepath.Join(t.TempDir(), "feedback.jsonl")
	h.srv.Feedback = &FeedbackLog{Path: path}
	h.h = h.srv.Handler()
	if code := h.json("POST", "/v1/feedback", FeedbackRequest{Kind: "passage", Helpful: true, Question: "q?", PassageID: "a#0"}, nil); code != 201 {
		t.Fatalf("feedback: %d", code)
	}
	if code := h.json("POST", "/v1/feedback", FeedbackRequest{Kind: "answer", Question: "q?", Answer: "x"}, nil); code != 201 {
		t.Fatalf("feedback: %d", code)
	}
	var e errorBody
	if code := h.json("POST", "/v1/feedback", FeedbackRequest{Kind: "stars", Question: "q?"}, &e); code != 400 || e.Error.Code != "invalid_kind" {
		t.Fatalf("bad kind: %d %+v", code, e)
	}
	if code := h.json("POST", "/v1/feedback", FeedbackRequest{Kind: "passage", Question: "q?"}, &e); code != 400 || e.Error.Code != "missing_passage_id" {
		t.Fatalf("no passage: %d %+v", code, e)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"passage_id":"a#0"`) || !strings.Contains(lines[0], `"collection":"default"`) {
		t.Fatalf("stored: %q", b)
	}

	// A crash mid-write left half a record, never acknowledged; the next
	// server cuts it before appending, and keeps every whole record.
	// Its tail is longer than one block read back.
	torn := string(b) + lines[0][:25] + strings.Repeat("\\u003c", 40<<10)
	if err := os.WriteFile(path, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	h.srv.Feedback = &FeedbackLog{Path: path}
	h.h = h.srv.Handler()
	if code := h.json("POST", "/v1/feedback", FeedbackRequest{Kind: "passage", Helpful: true, Question: "r?", PassageID: "b#1"}, nil); code != 201 {
		t.Fatalf("feedback after a torn write: %d", code)
	}
	after, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(after), string(b)) {
		t.Fatalf("whole records lost: %q", after)
	}
	rest := strings.Split(strings.TrimSpace(string(after[len(b):])), "\n")
	var rec FeedbackRequest
	if len(rest) != 1 || json.Unmarshal([]byte(rest[0]), &rec) != nil || rec.PassageID != "b#1" {
		t.Fatalf("after the torn write: %q", after[len(b):])
	}
}

func TestConfigAndUI(t *testing.T) {
	h := newHarness(t, nil)
	h.srv.UI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ui:" + r.URL.Path)) })
	h.h = h.srv.Handler()
	var cfg map[string]any
	if code := h.json("GET", "/v1/config", nil, &cfg); code != 200 || cfg["default_retrieval"] != "bm25" || cfg["reranker"] != false || cfg["lm"] != "" {
		t.Fatalf("config: %d %v", code, cfg)
	}
	if w := h.do("GET", "/", "", nil); w.Body.String() != "ui:/" {
		t.Fatalf("UI at /: %q", w.Body.String())
	}
	// API paths never fall through to the UI.
	if w := h.do("GET", "/v1/nothing", "", nil); w.Code != 404 || !strings.Contains(w.Body.String(), "not_found") {
		t.Fatalf("unknown API path: %d %s", w.Code, w.Body.String())
	}
}

func TestDeleteCollection(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	var resp IngestResponse
	if code := h.json("POST", "/v1/documents", IngestRequest{Collection: "team-a", Documents: []corpus.Document{
		{ID: "offsite.md", Title: "Offsite", Text: "The quarterly offsite happens in Lisbon every May."},
		{ID: "menu.md", Title: "Menu", Text: "Lunch is served at noon in the atrium."},
	}}, &resp); code != http.StatusCreated {
		t.Fatalf("ingest: %d", code)
	}
	var list struct {
		Collections []string
		Details     []CollectionInfo
	}
	if code := h.json("GET", "/v1/collections", nil, &list); code != 200 || len(list.Details) != 2 {
		t.Fatalf("collections: %d %+v", code, list)
	}
	for _, d := range list.Details {
		if d.Name == "team-a" && (d.Documents != 2 || d.Passages != 2 || d.Bytes == 0) {
			t.Fatalf("details of team-a: %+v", d)
		}
	}

	var del struct {
		Deleted             string
		Documents, Passages int
	}
	if code := h.json("DELETE", "/v1/collections/team-a", nil, &del); code != 200 || del.Deleted != "team-a" || del.Documents != 2 || del.Passages != 2 {
		t.Fatalf("delete: %d %+v", code, del)
	}
	var e errorBody
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "Where is the offsite?", Collection: "team-a"}, &e); code != 404 || e.Error.Code != "collection_not_found" {
		t.Fatalf("ask after delete: %d %+v", code, e)
	}
	if code := h.json("DELETE", "/v1/collections/team-a", nil, &e); code != 404 || e.Error.Code != "collection_not_found" {
		t.Fatalf("second delete: %d %+v", code, e)
	}
	if code := h.json("DELETE", "/v1/collections/Team!", nil, &e); code != 400 || e.Error.Code != "invalid_collection" {
		t.Fatalf("bad name: %d %+v", code, e)
	}
	if code := h.json("GET", "/v1/collections", nil, &list); code != 200 || len(list.Collections) != 1 || list.Collections[0] != "default" {
		t.Fatalf("collections after delete: %+v", list)
	}
	// The other collection still answers.
	var a reader.Answer
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "How do I configure the LM?"}, &a); code != 200 || len(a.Packed) == 0 {
		t.Fatalf("the default collection after the delete: %d %+v", code, a)
	}
	// The name can be used again, from nothing.
	if code := h.json("POST", "/v1/documents", IngestRequest{Collection: "team-a", Documents: []corpus.Document{{ID: "new.md", Text: "A new start."}}}, &resp); code != http.StatusCreated {
		t.Fatalf("ingest again: %d", code)
	}
	var docs struct{ Total int }
	if h.json("GET", "/v1/documents?collection=team-a", nil, &docs); docs.Total != 1 {
		t.Fatalf("documents in the new collection: %+v", docs)
	}
}

// A write that finds its collection deleted under it (an upload still
// under way when DELETE /v1/collections/NAME is acknowledged) goes to the
// new collection of that name rather than failing with "not found".
func TestWriterFollowsItsCollectionAcrossADelete(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	w := h.srv.writer("notes")
	if err := w.Upsert(ctx, h.srv.Ingester.Entries([]corpus.Document{{ID: "a.md", Text: "The first note."}})); err != nil {
		t.Fatal(err)
	}
	if code := h.json("DELETE", "/v1/collections/notes", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	if err := w.Upsert(ctx, h.srv.Ingester.Entries([]corpus.Document{{ID: "b.md", Text: "The second note."}})); err != nil {
		t.Fatalf("write after the delete: %v", err)
	}
	var docs struct {
		Total     int
		Documents []struct{ ID string }
	}
	if code := h.json("GET", "/v1/documents?collection=notes", nil, &docs); code != 200 || docs.Total != 1 || docs.Documents[0].ID != "b.md" {
		t.Fatalf("documents after the delete: %d %+v", code, docs)
	}
}

// A value of the wrong type is named as JSON names it, not as Go does.
func TestTypeErrorsSpeakJSON(t *testing.T) {
	h := newHarness(t, nil)
	for body, want := range map[string]string{
		`{"question": 5}`:                      `field "question" must be a string, not number`,
		`{"question": "x", "k": "5"}`:          `field "k" must be an integer, not string`,
		`{"question": "x", "documents": "a*"}`: `field "documents" must be a list of strings, not string`,
		`{"question": "x", "rerank": "no"}`:    `field "rerank" must be true or false, not string`,
		`["x"]`:                                `the request body must be an object, not array`,
	} {
		var e errorBody
		h.json("POST", "/v1/ask", body, &e)
		if e.Error.Message != want {
			t.Errorf("%s: %q, want %q", body, e.Error.Message, want)
		}
	}
}
