package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
)

// With fallback on, an LM that fails before writing leaves an evidence
// answer marked degraded, as JSON and as a stream, and counted; one that
// fails after streaming part of its answer is still an error.
func TestAskFallsBackToEvidenceWhenTheLMFails(t *testing.T) {
	lmSrv := openaitest.New("m")
	defer lmSrv.Close()
	lm, _ := openai.New(openai.Config{URL: lmSrv.URL, Model: "m", Timeout: 5 * time.Second, MaxRetries: -1})
	h := newHarness(t, lm)
	h.seed()
	h.srv.Metrics = NewMetrics(h.store, nil)
	h.srv.Reader.OnDegraded = h.srv.Metrics.Degraded
	h.srv.Reader.LMFallback = true
	h.h = h.srv.Handler()
	q := AskRequest{Question: "How do I configure the LM?"}

	lmSrv.Fail(1, http.StatusServiceUnavailable, `{"error":{"message":"loading model"}}`)
	var a reader.Answer
	if code := h.json("POST", "/v1/ask", q, &a); code != http.StatusOK {
		t.Fatalf("ask with a failing LM: %d", code)
	}
	if a.Mode != reader.ModeEvidence || a.Model != "" || strings.Join(a.Degraded, ",") != "lm" {
		t.Fatalf("mode %q, model %q, degraded %v", a.Mode, a.Model, a.Degraded)
	}
	if a.LMError == nil || a.LMError.Code != reader.CodeLMError || a.LMError.Status != http.StatusServiceUnavailable || a.LMError.Message != "loading model" {
		t.Fatalf("lm_error %+v", a.LMError)
	}
	if len(a.Citations) == 0 || a.Citations[0].DocID != "docs/config.md" || !strings.Contains(a.Answer, "SHOULDERS_LM_URL") {
		t.Fatalf("evidence answer %q, citations %+v", a.Answer, a.Citations)
	}

	// A stream gets the evidence in its answer event, and no error event.
	body := []byte(`{"question": "How do I configure the LM?"}`)
	lmSrv.Fail(1, http.StatusServiceUnavailable, `{"error":{"message":"loading model"}}`)
	w := h.do("POST", "/v1/ask", "application/json", bytes.NewReader(body), "Accept", "text/event-stream")
	_, final := streamed(parseSSE(t, w.Body.String()))
	if strings.Contains(w.Body.String(), "event:error") || final.Mode != reader.ModeEvidence || final.Answer != a.Answer || final.LMError == nil {
		t.Fatalf("stream with a failing LM: %s", w.Body.String())
	}

	// Part of an answer was sent: nothing may stand in for the rest.
	lmSrv.SetCutStream(true)
	w = h.do("POST", "/v1/ask", "application/json", bytes.NewReader(body), "Accept", "text/event-stream")
	lmSrv.SetCutStream(false)
	if tokens, _ := streamed(parseSSE(t, w.Body.String())); len(tokens) == 0 || !strings.Contains(w.Body.String(), "event:error") || strings.Contains(w.Body.String(), "event:answer") {
		t.Fatalf("stream cut after tokens: %s", w.Body.String())
	}

	// A recursive reading says which pass failed.
	lmSrv.Fail(1, http.StatusServiceUnavailable, `{"error":{"message":"loading model"}}`)
	a = reader.Answer{}
	rq := AskRequest{Question: q.Question, Recursion: &reader.Recursion{Mode: reader.RecursionVote, Samples: 3}}
	if code := h.json("POST", "/v1/ask", rq, &a); code != http.StatusOK || a.LMError == nil || a.LMError.Message != "sample pass: loading model" || a.Recursion != nil {
		t.Fatalf("failed recursion: %d %+v", code, a)
	}

	// The LM answers again: a generated answer, nothing degraded.
	a = reader.Answer{}
	if code := h.json("POST", "/v1/ask", q, &a); code != http.StatusOK || a.Mode != reader.ModeGenerated || a.LMError != nil || len(a.Degraded) != 0 {
		t.Fatalf("recovered LM: %d %+v", code, a)
	}

	metrics := h.do("GET", "/metrics", "", nil).Body.String()
	for _, want := range []string{
		`shoulders_degraded_responses_total{mode="bm25",part="lm"} 3`,
		`shoulders_lm_errors_total{code="lm_error"} 3`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// An LM server that is gone altogether.
	lmSrv.Close()
	a = reader.Answer{}
	if code := h.json("POST", "/v1/ask", q, &a); code != http.StatusOK || a.LMError == nil || a.LMError.Code != reader.CodeLMUnreachable || a.Answer == "" {
		t.Fatalf("unreachable LM: %d %+v", code, a)
	}
}
