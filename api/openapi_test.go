package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
)

func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the spec is not valid OpenAPI 3: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// Every route is in the spec, and the spec has no route the server lacks.
// ginParam matches a path parameter as Gin writes it (":name", "*id").
var ginParam = regexp.MustCompile(`[:*](\w+)`)

func TestOpenAPICoversTheRoutes(t *testing.T) {
	doc, _ := loadSpec(t)
	h := newHarness(t, nil)
	h.srv.Metrics = NewMetrics(h.store, nil)
	var served, spec []string
	for _, r := range h.srv.Handler().(*gin.Engine).Routes() {
		served = append(served, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			spec = append(spec, method+" "+path)
		}
	}
	sort.Strings(served)
	sort.Strings(spec)
	if strings.Join(served, "\n") != strings.Join(spec, "\n") {
		t.Fatalf("routes served:\n%s\n\nroutes in the spec:\n%s", strings.Join(served, "\n"), strings.Join(spec, "\n"))
	}
}

// Real requests and their real responses, good and bad, match the spec.
func TestOpenAPIMatchesResponses(t *testing.T) {
	_, router := loadSpec(t)
	lmSrv := openaitest.New("m")
	defer lmSrv.Close()
	lm, _ := openai.New(openai.Config{URL: lmSrv.URL, Model: "m", Timeout: 5 * time.Second})
	h := newHarness(t, lm)
	h.srv.Metrics = NewMetrics(h.store, nil)
	h.h = h.srv.Handler()
	h.seed()
	demos, _ := reader.ReadDemos(strings.NewReader(faq), "faq.jsonl")
	if err := reader.WritePool(context.Background(), h.store, "faq", demos); err != nil {
		t.Fatal(err)
	}
	h.srv.Reader.Demos = reader.Pools{Store: h.store}
	// The shipped re-ranker and a long document, so that answers carry
	// re-ranker sources and excerpted passages.
	withReranker(t, h)
	long := strings.Repeat("The reader packs passages into the budget of the LM. Each passage is counted in tokens. ", 8)
	if code := h.json("POST", "/v1/documents", IngestRequest{Documents: []corpus.Document{{ID: "docs/packing.md", Title: "Packing", Text: long + lmDoc}}}, nil); code != http.StatusCreated {
		t.Fatalf("ingest: %d", code)
	}
	docs, _ := json.Marshal(IngestRequest{Documents: []corpus.Document{{ID: "x", Title: "X", Text: "Some text.", Metadata: map[string]string{"k": "v"}}}})
	h.srv.Reader.LMFallback = true
	cases := []struct {
		method, path, body string
		status             int
		lmFails            bool // the answer falls back to evidence
	}{
		{"GET", "/healthz", "", 200, false},
		{"GET", "/readyz", "", 200, false},
		{"GET", "/v1/config", "", 200, false},
		{"GET", "/v1/collections", "", 200, false},
		{"POST", "/v1/ask", `{"question": "How do I configure the LM?"}`, 200, false},
		{"POST", "/v1/ask", `{"question": "How do I configure the LM?", "recursion": {"mode": "textual", "samples": 3}, "demos": {"pool": "faq", "k": 2}}`, 200, false},
		{"POST", "/v1/ask", `{"question": "How do I configure the LM?", "recursion": {"mode": "vote"}, "rerank": false, "policy": "fill", "k": 5, "budget": 200}`, 200, false},
		{"POST", "/v1/ask", `{"question": "How do I set the LM budget?", "budget": 150}`, 200, false},
		{"POST", "/v1/ask", `{"question": "How do I configure the LM?", "k": 10}`, 200, true},
		{"POST", "/v1/ask", `{"question": ""}`, 400, false},
		{"POST", "/v1/ask", `{"question": "x", "collection": "nothing-here"}`, 404, false},
		{"POST", "/v1/search", `{"query": "packing", "k": 3}`, 200, false},
		{"POST", "/v1/rerank", `{"model": "m", "query": "How do I configure the LM?", "documents": ["Bread needs flour.", {"title": "Configuration", "text": "Set SHOULDERS_LM_URL. Then ask."}], "top_n": 1, "return_documents": true}`, 200, false},
		{"POST", "/v1/rerank", `{"query": "q", "documents": []}`, 400, false},
		{"POST", "/v1/rerank", `{"query": "q", "documents": ["a"], "collection": "nothing-here"}`, 404, false},
		{"POST", "/v1/documents", string(docs), 201, false},
		{"GET", "/v1/documents?limit=5", "", 200, false},
		{"GET", "/v1/documents/x", "", 200, false},
		{"GET", "/v1/documents/nope", "", 404, false},
		{"DELETE", "/v1/documents/x", "", 200, false},
		{"POST", "/v1/feedback", `{"kind": "answer", "helpful": true, "question": "q", "answer": "a"}`, 201, false},
		{"GET", "/openapi.json", "", 200, false},
		{"GET", "/metrics", "", 200, false},
		{"POST", "/v1/admin/backups", "", 201, false},
		{"POST", "/v1/documents", `{"collection": "scratch", "documents": [{"text": "A note."}]}`, 201, false},
		{"DELETE", "/v1/collections/scratch", "", 200, false},
		{"DELETE", "/v1/collections/scratch", "", 404, false},
		{"DELETE", "/v1/collections/Bad!", "", 400, false},
	}
	h.srv.Feedback = &FeedbackLog{Path: t.TempDir() + "/feedback.jsonl"}
	backups := t.TempDir()
	h.srv.Backups = &Backups{Take: func(context.Context) (index.BackupInfo, error) { return h.store.Backup(backups, time.Now()) }}
	h.h = h.srv.Handler()
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			if c.lmFails {
				lmSrv.Fail(1, http.StatusBadRequest, `{"error":{"message":"bad request"}}`)
			}
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			w := httptest.NewRecorder()
			h.h.ServeHTTP(w, req)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body.String())
			}
			vreq := httptest.NewRequest(c.method, "http://localhost"+c.path, strings.NewReader(c.body))
			vreq.Header = req.Header
			route, params, err := router.FindRoute(vreq)
			if err != nil {
				t.Fatalf("not in the spec: %v", err)
			}
			in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if c.status < 400 {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Fatalf("request does not match the spec: %v", err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: w.Code, Header: w.Header(),
				Options: &openapi3filter.Options{IncludeResponseStatus: true}}
			out.SetBodyBytes(w.Body.Bytes())
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Fatalf("response does not match the spec: %v\n%s", err, truncate(w.Body.String()))
			}
			if c.lmFails && !strings.Contains(w.Body.String(), `"lm_error":{"code":"lm_error"`) {
				t.Fatalf("no fallback: %s", truncate(w.Body.String()))
			}
			if strings.Contains(c.body, `"budget": 150`) && (!strings.Contains(w.Body.String(), `"excerpted":true`) || !strings.Contains(w.Body.String(), `"probability":`)) {
				t.Fatalf("a tight budget should pack excerpts, with the re-ranker's probabilities: %s", truncate(w.Body.String()))
			}
		})
	}
	// The spec served is the one checked.
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, httptest.NewRequest("GET", "/openapi.json", nil))
	if !bytes.Equal(w.Body.Bytes(), openAPISpec) {
		t.Fatal("served spec differs")
	}
}

func truncate(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}
