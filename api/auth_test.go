package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
	"github.com/shoulders-qa/shoulders/retriever"
)

// authHarness is a seeded server requiring keys, with keys made through a
// second KeyStore on the same file, as the CLI makes them.
func authHarness(t *testing.T) (*harness, *KeyStore) {
	t.Helper()
	h := newHarness(t, nil)
	h.seed() // before auth: seeding is not under test here
	var resp IngestResponse
	h.json("POST", "/v1/documents", IngestRequest{Collection: "secret", Documents: []corpus.Document{
		{ID: "plans", Title: "Plans", Text: "The launch date of the new product is kept secret until March."}}}, &resp)
	path := filepath.Join(t.TempDir(), "keys.json")
	ks, err := OpenKeyStore(path)
	if err != nil {
		t.Fatal(err)
	}
	h.srv.Auth = Auth{Keys: ks, Required: true}
	h.srv.Metrics = NewMetrics(h.store, nil)
	h.h = h.srv.Handler()
	cli, err := OpenKeyStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return h, cli
}

func (h *harness) as(key, method, path string, body any) (int, Error, http.Header) {
	h.t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	hdr := []string{}
	if key != "" {
		hdr = append(hdr, "Authorization", "Bearer "+key)
	}
	w := h.do(method, path, "application/json", r, hdr...)
	var e errorBody
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	return w.Code, e.Error, w.Header()
}

func TestAuthScopesAndCollections(t *testing.T) {
	h, cli := authHarness(t)
	query, _, _ := cli.Create("reader", []Scope{ScopeQuery}, nil, 0, 0)
	ingest, _, _ := cli.Create("loader", []Scope{ScopeIngest}, nil, 0, 0)
	admin, _, _ := cli.Create("ops", []Scope{ScopeAdmin}, nil, 0, 0)
	scoped, _, _ := cli.Create("team", []Scope{ScopeQuery, ScopeIngest}, []string{"default"}, 0, 0)
	revoked, rk, _ := cli.Create("gone", []Scope{ScopeAdmin}, nil, 0, 0)
	if err := cli.Revoke(rk.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the server rereads the file at most once a second

	ask := AskRequest{Question: "When is the launch date?"}
	secretAsk := AskRequest{Question: "When is the launch date?", Collection: "secret"}
	doc := IngestRequest{Documents: []corpus.Document{{ID: "n", Text: "A note."}}}
	cases := []struct {
		name, key, method, path string
		body                    any
		status                  int
		code                    string
	}{
		{"no key", "", "POST", "/v1/ask", ask, 401, "unauthorized"},
		{"unknown key", "shk_000000000000_nope", "POST", "/v1/ask", ask, 401, "invalid_key"},
		{"not a key", "hello", "POST", "/v1/search", SearchRequest{Query: "x"}, 401, "invalid_key"},
		{"revoked key", revoked, "POST", "/v1/ask", ask, 401, "key_revoked"},
		{"query asks", query, "POST", "/v1/ask", ask, 200, ""},
		{"query cannot ingest", query, "POST", "/v1/documents", doc, 403, "forbidden_scope"},
		{"query cannot delete", query, "DELETE", "/v1/documents/docs/api.md", nil, 403, "forbidden_scope"},
		{"ingest cannot ask", ingest, "POST", "/v1/ask", ask, 403, "forbidden_scope"},
		{"ingest ingests", ingest, "POST", "/v1/documents", doc, 201, ""},
		{"query cannot scrape", query, "GET", "/metrics", nil, 403, "forbidden_scope"},
		{"admin scrapes", admin, "GET", "/metrics", nil, 200, ""},
		{"admin asks anywhere", admin, "POST", "/v1/ask", secretAsk, 200, ""},
		{"scoped asks its own", scoped, "POST", "/v1/ask", ask, 200, ""},
		{"scoped cannot ask elsewhere", scoped, "POST", "/v1/ask", secretAsk, 403, "forbidden_collection"},
		{"scoped cannot search elsewhere", scoped, "POST", "/v1/search", SearchRequest{Query: "launch", Collection: "secret"}, 403, "forbidden_collection"},
		{"scoped cannot read elsewhere", scoped, "GET", "/v1/documents/plans?collection=secret", nil, 403, "forbidden_collection"},
		{"scoped cannot list elsewhere", scoped, "GET", "/v1/documents?collection=secret", nil, 403, "forbidden_collection"},
		{"scoped cannot delete elsewhere", scoped, "DELETE", "/v1/documents/plans?collection=secret", nil, 403, "forbidden_collection"},
		{"scoped cannot delete another collection", scoped, "DELETE", "/v1/collections/secret", nil, 403, "forbidden_collection"},
		{"query cannot delete a collection", query, "DELETE", "/v1/collections/secret", nil, 403, "forbidden_scope"},
		{"scoped cannot write elsewhere", scoped, "POST", "/v1/documents", IngestRequest{Collection: "secret", Documents: doc.Documents}, 403, "forbidden_collection"},
		{"scoped cannot draw demos elsewhere", scoped, "POST", "/v1/ask", AskRequest{Question: "x", Demos: &reader.Demos{Pool: "secret"}}, 403, "forbidden_collection"},
		{"health is open", "", "GET", "/healthz", nil, 200, ""},
		{"spec is open", "", "GET", "/openapi.json", nil, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, e, hdr := h.as(c.key, c.method, c.path, c.body)
			if status != c.status || e.Code != c.code {
				t.Fatalf("got %d %+v, want %d %s", status, e, c.status, c.code)
			}
			if status == 401 && hdr.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	// A restricted key sees only its collections.
	w := h.do("GET", "/v1/collections", "", nil, "Authorization", "Bearer "+scoped)
	if strings.Contains(w.Body.String(), "secret") || !strings.Contains(w.Body.String(), "default") {
		t.Fatalf("collections for a restricted key: %s", w.Body.String())
	}
	// The secret document was never deleted nor overwritten by refused requests.
	col, _ := h.store.Collection("secret", false)
	if rec, err := col.Record("plans"); err != nil || rec.Title != "Plans" {
		t.Fatalf("secret document after refused requests: %+v %v", rec, err)
	}
	// Metrics count requests by route pattern and status.
	w = h.do("GET", "/metrics", "", nil, "Authorization", "Bearer "+admin)
	for _, want := range []string{
		`shoulders_http_requests_total{method="POST",route="/v1/ask",status="403"}`,
		`shoulders_http_requests_total{method="DELETE",route="/v1/documents/*id",status="403"}`,
		`shoulders_stage_duration_seconds_count{stage="retrieve"}`,
		`shoulders_index_passages{collection="secret"} 1`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestRateLimitPerKey(t *testing.T) {
	h, cli := authHarness(t)
	slow, _, _ := cli.Create("slow", []Scope{ScopeQuery}, nil, 1, 3)
	fast, _, _ := cli.Create("fast", []Scope{ScopeQuery}, nil, 0, 0)
	time.Sleep(1100 * time.Millisecond)
	body := SearchRequest{Query: "configure"}
	for i := 0; i < 3; i++ {
		if status, e, _ := h.as(slow, "POST", "/v1/search", body); status != 200 {
			t.Fatalf("request %d within the burst: %d %+v", i, status, e)
		}
	}
	status, e, hdr := h.as(slow, "POST", "/v1/search", body)
	if status != 429 || e.Code != "rate_limited" || hdr.Get("Retry-After") != "1" {
		t.Fatalf("over the limit: %d %+v Retry-After %q", status, e, hdr.Get("Retry-After"))
	}
	// Another key has its own bucket.
	if status, _, _ := h.as(fast, "POST", "/v1/search", body); status != 200 {
		t.Fatalf("other key: %d", status)
	}
	time.Sleep(1100 * time.Millisecond)
	if status, _, _ := h.as(slow, "POST", "/v1/search", body); status != 200 {
		t.Fatalf("after waiting: %d", status)
	}
}

func TestCORSAndRequestIDs(t *testing.T) {
	h := newHarness(t, nil)
	h.srv.CORSOrigins = []string{"https://intranet.example.com"}
	h.h = h.srv.Handler()
	h.seed()
	pre := httptest.NewRequest("OPTIONS", "/v1/ask", nil)
	pre.Header.Set("Origin", "https://intranet.example.com")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, pre)
	if w.Code/100 != 2 || w.Header().Get("Access-Control-Allow-Origin") != "https://intranet.example.com" ||
		!strings.Contains(strings.ToLower(w.Header().Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("preflight from an allowed origin: %d %v", w.Code, w.Header())
	}
	w = h.do("POST", "/v1/search", "application/json", strings.NewReader(`{"query":"x"}`), "Origin", "https://evil.example.net")
	var e errorBody
	if json.Unmarshal(w.Body.Bytes(), &e); w.Code != 403 || e.Error.Code != "origin_not_allowed" || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin: %d %s", w.Code, w.Body.String())
	}
	// Same-origin pages (the embedded UI) need no allow-list entry.
	w = h.do("POST", "/v1/search", "application/json", strings.NewReader(`{"query":"configure"}`), "Origin", "http://example.com")
	if w.Code != 200 {
		t.Fatalf("same origin: %d %s", w.Code, w.Body.String())
	}
	// Request IDs: a client's sane one is kept, anything else replaced.
	w = h.do("GET", "/healthz", "", nil, "X-Request-ID", "abc-123")
	if w.Header().Get("X-Request-ID") != "abc-123" {
		t.Fatalf("request id %q", w.Header().Get("X-Request-ID"))
	}
	w = h.do("GET", "/healthz", "", nil, "X-Request-ID", "bad id\nInjected: yes")
	if id := w.Header().Get("X-Request-ID"); len(id) != 36 {
		t.Fatalf("unsafe request id kept: %q", id)
	}
}

type downRetriever struct{}

func (downRetriever) Name() string { return "dense" }
func (downRetriever) Retrieve(context.Context, retriever.Query) ([]retriever.Candidate, error) {
	return nil, errors.New("connection refused")
}

// Degraded answers, LM failures and LM tokens reach /metrics.
func TestMetricsCountDegradationAndLMErrors(t *testing.T) {
	lmSrv := openaitest.New("m")
	defer lmSrv.Close()
	lm, _ := openai.New(openai.Config{URL: lmSrv.URL, Model: "m", Timeout: 5 * time.Second, MaxRetries: -1})
	h := newHarness(t, lm)
	h.seed()
	h.srv.Metrics = NewMetrics(h.store, nil)
	h.srv.Reader.Retrievers["dense"] = downRetriever{}
	h.srv.Reader.OnDegraded = h.srv.Metrics.Degraded
	h.h = h.srv.Handler()
	var sr SearchResponse
	if code := h.json("POST", "/v1/search", SearchRequest{Query: "configure", Retrieval: "dense"}, &sr); code != 200 || len(sr.Degraded) != 1 {
		t.Fatalf("degraded search: %d %+v", code, sr)
	}
	var a reader.Answer
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "How do I configure the LM?"}, &a); code != 200 {
		t.Fatalf("ask: %d", code)
	}
	lmSrv.Fail(1, http.StatusInternalServerError, `{"error":{"message":"boom"}}`)
	var e errorBody
	if code := h.json("POST", "/v1/ask", AskRequest{Question: "How do I configure the LM?"}, &e); code != http.StatusBadGateway {
		t.Fatalf("failing LM: %d %+v", code, e)
	}
	w := h.do("GET", "/metrics", "", nil)
	body := w.Body.String()
	for _, want := range []string{
		`shoulders_degraded_responses_total{mode="dense",part="dense"} 1`,
		`shoulders_lm_errors_total{code="lm_error"} 1`,
		`shoulders_stage_duration_seconds_count{stage="lm"} 1`,
		fmt.Sprintf(`shoulders_lm_tokens_total{kind="prompt"} %d`, a.Tokens.Prompt),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
