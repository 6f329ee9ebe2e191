// Package openaiembed embeds text with any OpenAI-compatible /v1/embeddings
// server (OpenAI, vLLM, TEI, llama.cpp, Ollama): batched, retried on 429
// and 5xx, and checked for a consistent dimension.
package openaiembed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/index"
)

// Config configures the client.
type Config struct {
	URL, Model, APIKey string
	// Dim, when set, is checked against every vector returned.
	Dim       int
	BatchSize int           // texts per request (default 64)
	Timeout   time.Duration // per request (default 30s)
	Retries   int           // after 429/5xx/refused connections (default 3)
	HTTP      *http.Client
}

// Client is an index.Embedder and, for every collection, its own source.
type Client struct {
	cfg  Config
	base string
	dim  int
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.Model == "" {
		return nil, errors.New("embeddings: URL and model are required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 3
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{}
	}
	base := strings.TrimRight(cfg.URL, "/")
	if !strings.HasSuffix(base, "/v1") {
		base += "/v1"
	}
	return &Client{cfg: cfg, base: base, dim: cfg.Dim}, nil
}

// Name implements index.Embedder.
func (c *Client) Name() string { return "openai:" + c.cfg.Model }

// Dim implements index.Embedder: the configured dimension, or the one the
// server returned first.
func (c *Client) Dim() int { return c.dim }

// Embedder implements index.EmbedderSource: the same model for every
// collection, checked against the collection's record.
func (c *Client) Embedder(ctx context.Context, col *index.Collection, _ bool) (index.Embedder, error) {
	if c.dim == 0 {
		if _, err := c.Embed(ctx, []string{"dimension probe"}); err != nil {
			return nil, err
		}
	}
	if err := col.CheckEmbedder(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Embed implements index.Embedder; vectors are normalized to unit length.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += c.cfg.BatchSize {
		part := texts[start:min(start+c.cfg.BatchSize, len(texts))]
		vecs, err := c.batch(ctx, part)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (c *Client) batch(ctx context.Context, texts []string) ([][]float32, error) {
	body, _ := json.Marshal(map[string]any{"model": c.cfg.Model, "input": texts})
	var last error
	for attempt := 0; attempt <= c.cfg.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		req, _ := http.NewRequestWithContext(rctx, http.MethodPost, c.base+"/embeddings", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if c.cfg.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
		}
		resp, err := c.cfg.HTTP.Do(req)
		if err != nil {
			cancel()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = fmt.Errorf("embeddings server %s: %w", c.base, err)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		cancel()
		if err != nil {
			last = err
			continue
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			last = fmt.Errorf("embeddings server: %s: %.200s", resp.Status, data)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("embeddings server: %s: %.200s", resp.Status, data)
		}
		return c.parse(data, len(texts))
	}
	return nil, last
}

func (c *Client) parse(data []byte, n int) ([][]float32, error) {
	var r struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("embeddings: malformed response: %w", err)
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("embeddings: asked for %d vectors, got %d", n, len(r.Data))
	}
	out := make([][]float32, n)
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("embeddings: bad or repeated index %d", d.Index)
		}
		if c.dim == 0 {
			c.dim = len(d.Embedding)
		}
		if len(d.Embedding) != c.dim {
			return nil, fmt.Errorf("embeddings: vector of dimension %d, expected %d", len(d.Embedding), c.dim)
		}
		var norm float64
		for _, x := range d.Embedding {
			norm += float64(x) * float64(x)
		}
		if norm > 0 {
			inv := float32(1 / math.Sqrt(norm))
			for i := range d.Embedding {
				d.Embedding[i] *= inv
			}
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}
