// Package rerankapi is a second re-ranking stage through the /rerank
// endpoints that cross-encoder servers expose: the Jina and Cohere shape
// (also vLLM's) and Text Embeddings Inference's. Our own re-ranker orders
// the 100 candidates; a cross-encoder, slower and stronger, then reorders
// the first few.
package rerankapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/retriever"
)

// API selects the wire format.
type API string

const (
	// Jina: POST {model, query, documents, top_n} -> {results: [{index, relevance_score}]}
	// (Jina, Cohere, vLLM).
	Jina API = "jina"
	// TEI: POST {query, texts} -> [{index, score}] (Text Embeddings Inference).
	TEI API = "tei"
)

// Config configures a Client.
type Config struct {
	// URL is the endpoint, e.g. http://127.0.0.1:8000/v1/rerank; a base URL
	// without a path gets /rerank.
	URL    string
	Model  string
	APIKey string
	API    API
	// Top is how many of the first stage's candidates are sent (default 20).
	Top int
	// Timeout bounds one call (default 5s).
	Timeout time.Duration
	HTTP    *http.Client
}

// Client calls one rerank endpoint.
type Client struct{ cfg Config }

// Source is the name the cross-encoder's scores carry in candidates.
const Source = "cross-encoder"

// New checks cfg.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("rerank URL is empty")
	}
	switch cfg.API {
	case "":
		cfg.API = Jina
	case Jina, TEI:
	default:
		return nil, fmt.Errorf("unknown rerank API %q (want jina or tei)", cfg.API)
	}
	if cfg.Top <= 0 {
		cfg.Top = 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{}
	}
	if u := strings.TrimRight(cfg.URL, "/"); !strings.Contains(strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://"), "/") {
		cfg.URL = u + "/rerank"
	}
	return &Client{cfg: cfg}, nil
}

// Scores returns the relevance score of each text to query, in order.
func (c *Client) Scores(ctx context.Context, query string, texts []string) ([]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body any
	if c.cfg.API == TEI {
		body = map[string]any{"query": query, "texts": texts, "raw_scores": false}
	} else {
		body = map[string]any{"model": c.cfg.Model, "query": query, "documents": texts, "top_n": len(texts)}
	}
	payload, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rerank server %s: %w", c.cfg.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rerank server %s: HTTP %d: %s", c.cfg.URL, resp.StatusCode, strings.TrimSpace(string(data[:min(len(data), 300)])))
	}
	type result struct {
		Index          int      `json:"index"`
		RelevanceScore *float64 `json:"relevance_score"`
		Score          *float64 `json:"score"`
	}
	var results []result
	var wrapped struct {
		Results []result `json:"results"`
	}
	switch {
	case json.Unmarshal(data, &results) == nil:
	case json.Unmarshal(data, &wrapped) == nil && wrapped.Results != nil:
		results = wrapped.Results
	default:
		return nil, fmt.Errorf("rerank server %s: unreadable response", c.cfg.URL)
	}
	scores := make([]float64, len(texts))
	seen := make([]bool, len(texts))
	for _, r := range results {
		if r.Index < 0 || r.Index >= len(texts) || seen[r.Index] {
			return nil, fmt.Errorf("rerank server %s: bad result index %d", c.cfg.URL, r.Index)
		}
		switch {
		case r.RelevanceScore != nil:
			scores[r.Index] = *r.RelevanceScore
		case r.Score != nil:
			scores[r.Index] = *r.Score
		default:
			return nil, fmt.Errorf("rerank server %s: result %d has no score", c.cfg.URL, r.Index)
		}
		seen[r.Index] = true
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("rerank server %s: no score for document %d", c.cfg.URL, i)
		}
	}
	return scores, nil
}

// Rerank reorders the first Top candidates by the server's scores; the
// rest keep their order after them. On failure the candidates come back
// as they were, with a *retriever.Degraded error naming this stage, so a
// question is still answered from the first stage's order.
func (c *Client) Rerank(ctx context.Context, question string, cands []retriever.Candidate) ([]retriever.Candidate, error) {
	n := min(c.cfg.Top, len(cands))
	if n < 2 {
		return cands, nil
	}
	texts := make([]string, n)
	for i, cd := range cands[:n] {
		texts[i] = strings.TrimSpace(cd.Passage.Title + "\n" + cd.Passage.Text)
	}
	scores, err := c.Scores(ctx, question, texts)
	if err != nil {
		return cands, &retriever.Degraded{Parts: []string{Source}, Err: err}
	}
	head := make([]retriever.Candidate, n)
	copy(head, cands[:n])
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	out := make([]retriever.Candidate, 0, len(cands))
	for rank, i := range order {
		cd := head[i]
		cd.Sources = append(append([]retriever.Source(nil), cd.Sources...), retriever.Source{Retriever: Source, Rank: rank + 1, Score: scores[i]})
		cd.Score, cd.Rank = scores[i], rank+1
		out = append(out, cd)
	}
	for i, cd := range cands[n:] {
		cd.Rank = n + i + 1
		out = append(out, cd)
	}
	// The first stage's probabilities no longer follow this order:
	// packing must not weigh by them.
	for i := range out {
		out[i].Chance, out[i].ExcerptChances = 0, nil
	}
	return out, nil
}
