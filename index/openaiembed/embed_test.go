package openaiembed

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// server is a local OpenAI-compatible /v1/embeddings server: vectors of
// dim numbers derived from the text; fail makes the first calls answer 503.
func server(t *testing.T, dim int, fail int32) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.URL.Path != "/v1/embeddings" {
			http.NotFound(w, r)
			return
		}
		if n <= fail {
			http.Error(w, `{"error":{"message":"busy"}}`, http.StatusServiceUnavailable)
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		// Answer out of order, as servers may.
		for i := len(req.Input) - 1; i >= 0; i-- {
			v := make([]float32, dim)
			for d := range v {
				v[d] = float32(len(req.Input[i])%7 + d + 1)
			}
			data = append(data, item{i, v})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestBatchesRetriesAndNormalizes(t *testing.T) {
	srv, calls := server(t, 4, 1)
	c, err := New(Config{URL: srv.URL, Model: "m", BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"a", "bb", "ccc", "dddd", "eeeee"}
	vecs, err := c.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 5 || c.Dim() != 4 || calls.Load() != 3 { // one 503, then two batches
		t.Fatalf("%d vectors of dim %d in %d calls", len(vecs), c.Dim(), calls.Load())
	}
	for i, v := range vecs {
		var n float64
		for _, x := range v {
			n += float64(x * x)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector %d not unit length", i)
		}
	}
	// Out-of-order answers are put back in input order.
	if vecs[0][0] == vecs[1][0] {
		t.Fatal("vectors of different texts are equal: order lost")
	}
}

func TestDimensionCheckAndErrors(t *testing.T) {
	srv, _ := server(t, 8, 0)
	c, _ := New(Config{URL: srv.URL, Model: "m", Dim: 4})
	if _, err := c.Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "dimension 8, expected 4") {
		t.Fatalf("dimension mismatch: %v", err)
	}
	down, _ := server(t, 4, 100)
	c, _ = New(Config{URL: down.URL + "/v1", Model: "m", Retries: 2})
	if _, err := c.Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("persistent 503: %v", err)
	}
	if _, err := New(Config{Model: "m"}); err == nil {
		t.Fatal("missing URL accepted")
	}
	_ = fmt.Sprint()
}
