package rerankapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/reader/rerankapi"
	"github.com/shoulders-qa/shoulders/retriever"
)

// crossEncoder is a local rerank server: a document's score is the number
// of query words it contains, answered in the Jina or the TEI shape.
func crossEncoder(t *testing.T, api rerankapi.API, seen *map[string]any) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/rerank" {
			http.Error(w, `{"error": "bad request"}`, http.StatusBadRequest)
			return
		}
		req["authorization"] = r.Header.Get("Authorization")
		*seen = req
		key := "documents"
		if api == rerankapi.TEI {
			key = "texts"
		}
		docs, _ := req[key].([]any)
		q := strings.Fields(strings.ToLower(req["query"].(string)))
		type res struct {
			Index int     `json:"index"`
			Score float64 `json:"relevance_score,omitempty"`
			Raw   float64 `json:"score,omitempty"`
		}
		var out []res
		for i, d := range docs {
			s := 0.0
			for _, w := range q {
				if strings.Contains(strings.ToLower(d.(string)), w) {
					s++
				}
			}
			if api == rerankapi.TEI {
				out = append(out, res{Index: i, Raw: s + 0.5})
			} else {
				out = append(out, res{Index: i, Score: s + 0.5})
			}
		}
		// Servers answer best first; the client must go by index.
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		if api == rerankapi.TEI {
			_ = json.NewEncoder(w).Encode(out)
		} else {
			_ = json.NewEncoder(w).Encode(map[string]any{"results": out})
		}
	}))
}

func cands(texts ...string) []retriever.Candidate {
	var out []retriever.Candidate
	for i, t := range texts {
		out = append(out, retriever.Candidate{Passage: corpus.Passage{ID: string(rune('a' + i)), Text: t}, Rank: i + 1, Score: float64(10 - i),
			Sources: []retriever.Source{{Retriever: "rerank", Rank: i + 1}}, Chance: 0.5 / float64(i+1)})
	}
	return out
}

func TestRerankBothShapes(t *testing.T) {
	for _, api := range []rerankapi.API{rerankapi.Jina, rerankapi.TEI} {
		t.Run(string(api), func(t *testing.T) {
			var seen map[string]any
			srv := crossEncoder(t, api, &seen)
			defer srv.Close()
			c, err := rerankapi.New(rerankapi.Config{URL: srv.URL, Model: "bge-reranker", APIKey: "k", API: api, Top: 3})
			if err != nil {
				t.Fatal(err)
			}
			in := cands("bread and salt", "the capital of france is paris", "paris france capital city", "capital of france paris again")
			out, err := c.Rerank(context.Background(), "capital of france paris", in)
			if err != nil {
				t.Fatal(err)
			}
			// Only the first three are sent and reordered; the fourth stays last.
			ids := ""
			for _, cd := range out {
				ids += cd.Passage.ID
			}
			if ids != "bcad" || out[0].Rank != 1 || out[3].Rank != 4 || out[0].Sources[len(out[0].Sources)-1].Retriever != rerankapi.Source {
				t.Fatalf("order %s, %+v", ids, out[0])
			}
			if in[0].Passage.ID != "a" || len(in[1].Sources) != 1 || in[0].Chance != 0.5 {
				t.Fatal("the input list was modified")
			}
			// The first stage's probabilities no longer match the order.
			for _, cd := range out {
				if cd.Chance != 0 {
					t.Fatalf("%s keeps the first stage's chance %v", cd.Passage.ID, cd.Chance)
				}
			}
			if seen["authorization"] != "Bearer k" {
				t.Fatalf("request %v", seen)
			}
			if api == rerankapi.Jina && (seen["model"] != "bge-reranker" || seen["top_n"] != float64(3)) {
				t.Fatalf("jina request %v", seen)
			}
		})
	}
}

func TestRerankFailureKeepsOrder(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	liar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"results": [{"index": 7, "relevance_score": 1}]}`))
	}))
	defer liar.Close()
	in := cands("one", "two", "three")
	for name, url := range map[string]string{"5xx": down.URL, "timeout": slow.URL, "bad index": liar.URL, "refused": "http://127.0.0.1:1"} {
		t.Run(name, func(t *testing.T) {
			c, _ := rerankapi.New(rerankapi.Config{URL: url, Timeout: 200 * time.Millisecond})
			out, err := c.Rerank(context.Background(), "q", in)
			var deg *retriever.Degraded
			if !errors.As(err, &deg) || deg.Parts[0] != rerankapi.Source {
				t.Fatalf("error %v", err)
			}
			if len(out) != 3 || out[0].Passage.ID != "a" || out[2].Passage.ID != "c" {
				t.Fatalf("order changed on failure: %+v", out)
			}
		})
	}
}
