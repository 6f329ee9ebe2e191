package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/index/lsa"
	"github.com/shoulders-qa/shoulders/index/openaiembed"
	"github.com/shoulders-qa/shoulders/index/weaviate"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/shoulders-qa/shoulders/reader/rerankapi"
	"github.com/shoulders-qa/shoulders/retriever"
	"github.com/spf13/cobra"
)

// config is every setting, from flags with environment defaults.
type config struct {
	DataDir       string
	BackupDir     string
	Addr          string
	Server        string
	Collection    string
	Retrieval     string
	K             int
	Packing       string
	ChunkWords    int
	ChunkOverlap  int
	TitleBoost    float64
	LMURL         string
	LMModel       string
	LMAPIKey      string
	LMAPI         string
	LMTimeout     time.Duration
	LMFallback    bool
	LMContext     int
	AnswerReserve int
	Tokenizer     string
	LogLevel      string
	Weaviate      string
	WeaviateURL   string
	WeaviateBin   string
	WeaviateGRPC  string
	// WeaviateKeywords gives new Weaviate classes their own keyword index.
	WeaviateKeywords bool
	Embedder         string
	EmbedURL         string
	EmbedModel       string
	EmbedAPIKey      string
	EmbedDim         int
	Fusion           string
	FusionAlpha      float64
	RerankerPath     string
	DenseTimeout     time.Duration
	Concurrency      int
	CrossURL         string
	CrossModel       string
	CrossAPI         string
	CrossAPIKey      string
	CrossTop         int
	// serving is set by the server, which holds the data folder itself.
	serving bool
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v := env(key, ""); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "shoulders: ignoring %s=%q: not an integer\n", key, v)
	}
	return def
}

func envFloat(key string, def float64) float64 {
	if v := env(key, ""); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
		fmt.Fprintf(os.Stderr, "shoulders: ignoring %s=%q: not a number\n", key, v)
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v := env(key, ""); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		fmt.Fprintf(os.Stderr, "shoulders: ignoring %s=%q: not a duration like 30s\n", key, v)
	}
	return def
}

// bind registers the settings as persistent flags of the root command.
func (c *config) bind(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&c.DataDir, "data-dir", env("SHOULDERS_DATA_DIR", "./data"), "where indexes live (SHOULDERS_DATA_DIR)")
	f.StringVar(&c.BackupDir, "backup-dir", env("SHOULDERS_BACKUP_DIR", ""), "where backups are written; empty: DATA_DIR/backups (SHOULDERS_BACKUP_DIR)")
	f.StringVar(&c.Addr, "addr", env("SHOULDERS_ADDR", "127.0.0.1:8080"), "address to serve on (SHOULDERS_ADDR)")
	f.StringVar(&c.Server, "server", env("SHOULDERS_URL", ""), "URL of a running server for ingest, ask, search, collections and backup; empty: the one holding --data-dir, else the one at --addr if it answers (SHOULDERS_URL)")
	f.StringVarP(&c.Collection, "collection", "c", env("SHOULDERS_COLLECTION", corpus.DefaultCollection), "collection (SHOULDERS_COLLECTION)")
	f.StringVar(&c.Retrieval, "retrieval", env("SHOULDERS_RETRIEVAL", "bm25"), "retrieval mode (SHOULDERS_RETRIEVAL)")
	f.IntVarP(&c.K, "k", "k", envInt("SHOULDERS_K", retriever.DefaultK), "candidates to retrieve (SHOULDERS_K)")
	f.StringVar(&c.Packing, "packing", env("SHOULDERS_PACKING", string(reader.DefaultPolicy)), "packing policy: excerpt (whole passages, then the re-ranker's excerpts of the next ones), stop (as in the paper) or fill (SHOULDERS_PACKING)")
	f.IntVar(&c.ChunkWords, "chunk-words", envInt("SHOULDERS_CHUNK_WORDS", corpus.DefaultChunkWords), "passage length in words (SHOULDERS_CHUNK_WORDS)")
	f.IntVar(&c.ChunkOverlap, "chunk-overlap", envInt("SHOULDERS_CHUNK_OVERLAP", 0), "words repeated between passages (SHOULDERS_CHUNK_OVERLAP)")
	f.Float64Var(&c.TitleBoost, "title-boost", envFloat("SHOULDERS_TITLE_BOOST", index.DefaultTitleBoost), "BM25 weight of title matches (SHOULDERS_TITLE_BOOST)")
	f.StringVar(&c.LMURL, "lm-url", env("SHOULDERS_LM_URL", ""), "OpenAI-compatible LM server; empty: evidence answers (SHOULDERS_LM_URL)")
	f.StringVar(&c.LMModel, "lm-model", env("SHOULDERS_LM_MODEL", ""), "LM model name (SHOULDERS_LM_MODEL)")
	f.StringVar(&c.LMAPIKey, "lm-api-key", env("SHOULDERS_LM_API_KEY", ""), "LM API key (SHOULDERS_LM_API_KEY)")
	f.StringVar(&c.LMAPI, "lm-api", env("SHOULDERS_LM_API", "chat"), "LM endpoint: chat or completions (SHOULDERS_LM_API)")
	f.DurationVar(&c.LMTimeout, "lm-timeout", envDuration("SHOULDERS_LM_TIMEOUT", 60*time.Second), "longest wait for the LM: for its answer, or for the next piece of a streamed one (SHOULDERS_LM_TIMEOUT)")
	f.BoolVar(&c.LMFallback, "lm-fallback", env("SHOULDERS_LM_FALLBACK", "on") != "off", "when the LM fails before writing, answer with extracted evidence marked degraded rather than an error (SHOULDERS_LM_FALLBACK=off to fail)")
	f.IntVar(&c.LMContext, "lm-context", envInt("SHOULDERS_LM_CONTEXT", reader.DefaultContextTokens), "LM context length in tokens (SHOULDERS_LM_CONTEXT)")
	f.IntVar(&c.AnswerReserve, "answer-tokens", envInt("SHOULDERS_LM_ANSWER_TOKENS", reader.DefaultAnswerReserve), "tokens reserved for the answer (SHOULDERS_LM_ANSWER_TOKENS)")
	f.StringVar(&c.Tokenizer, "tokenizer", env("SHOULDERS_LM_TOKENIZER", ""), "tiktoken encoding of the LM (cl100k_base, o200k_base...); empty: from the model name, else a conservative estimate (SHOULDERS_LM_TOKENIZER)")
	f.StringVar(&c.LogLevel, "log-level", env("SHOULDERS_LOG_LEVEL", "info"), "debug, info, warn or error (SHOULDERS_LOG_LEVEL)")
	f.StringVar(&c.Weaviate, "weaviate", env("SHOULDERS_WEAVIATE", "auto"), "vector index: auto (the server at --weaviate-url, else a managed child process when its binary is built), or off (SHOULDERS_WEAVIATE)")
	f.StringVar(&c.WeaviateURL, "weaviate-url", env("SHOULDERS_WEAVIATE_URL", ""), "Weaviate server or cluster to use; nothing is started (SHOULDERS_WEAVIATE_URL)")
	f.BoolVar(&c.WeaviateKeywords, "weaviate-keywords", env("SHOULDERS_WEAVIATE_KEYWORDS", "") == "on", "also keep Weaviate's own keyword index in collections created now, for the weaviate-bm25 and weaviate-hybrid retrievers (costs about a third of ingest time) (SHOULDERS_WEAVIATE_KEYWORDS=on)")
	f.StringVar(&c.WeaviateGRPC, "weaviate-grpc", env("SHOULDERS_WEAVIATE_GRPC", ""), "gRPC address (host:port) of that Weaviate, for faster batch writes (SHOULDERS_WEAVIATE_GRPC)")
	f.StringVar(&c.WeaviateBin, "weaviate-bin", env("SHOULDERS_WEAVIATE_BIN", weaviate.DefaultBinary), "weaviate-server binary to manage (SHOULDERS_WEAVIATE_BIN)")
	f.StringVar(&c.Embedder, "embedder", env("SHOULDERS_EMBEDDER", "builtin"), "embedder: builtin (LSA learned from the collection) or openai (SHOULDERS_EMBEDDER)")
	f.StringVar(&c.EmbedURL, "embed-url", env("SHOULDERS_EMBED_URL", ""), "OpenAI-compatible embeddings server (SHOULDERS_EMBED_URL)")
	f.StringVar(&c.EmbedModel, "embed-model", env("SHOULDERS_EMBED_MODEL", ""), "embedding model (SHOULDERS_EMBED_MODEL)")
	f.StringVar(&c.EmbedAPIKey, "embed-api-key", env("SHOULDERS_EMBED_API_KEY", ""), "embeddings API key (SHOULDERS_EMBED_API_KEY)")
	f.IntVar(&c.EmbedDim, "embed-dim", envInt("SHOULDERS_EMBED_DIM", 0), "expected embedding dimension, checked (SHOULDERS_EMBED_DIM)")
	f.StringVar(&c.Fusion, "fusion", env("SHOULDERS_FUSION", retriever.FuseWeighted), "hybrid fusion: weighted (normalized scores) or rrf (reciprocal rank, k=60) (SHOULDERS_FUSION)")
	f.Float64Var(&c.FusionAlpha, "fusion-alpha", envFloat("SHOULDERS_FUSION_ALPHA", retriever.DefaultAlpha), "weight of the dense list in weighted fusion, 0..1 (SHOULDERS_FUSION_ALPHA)")
	f.StringVar(&c.RerankerPath, "reranker", env("SHOULDERS_RERANKER", rerank.DefaultModelPath), "re-ranker model file, or none; used when the file exists (SHOULDERS_RERANKER)")
	f.StringVar(&c.CrossURL, "rerank-url", env("SHOULDERS_RERANK_URL", ""), "cross-encoder /rerank endpoint (vLLM, TEI, Jina-style) for a second re-ranking stage; empty: none (SHOULDERS_RERANK_URL)")
	f.StringVar(&c.CrossModel, "rerank-model", env("SHOULDERS_RERANK_MODEL", ""), "cross-encoder model name (SHOULDERS_RERANK_MODEL)")
	f.StringVar(&c.CrossAPI, "rerank-api", env("SHOULDERS_RERANK_API", "jina"), "rerank wire format: jina (also Cohere, vLLM) or tei (SHOULDERS_RERANK_API)")
	f.StringVar(&c.CrossAPIKey, "rerank-api-key", env("SHOULDERS_RERANK_API_KEY", ""), "cross-encoder API key (SHOULDERS_RERANK_API_KEY)")
	f.IntVar(&c.CrossTop, "rerank-top", envInt("SHOULDERS_RERANK_TOP", 20), "candidates the cross-encoder reorders (SHOULDERS_RERANK_TOP)")
	f.IntVar(&c.Concurrency, "concurrency", envInt("SHOULDERS_CONCURRENCY", runtime.GOMAXPROCS(0)), "requests retrieving and re-ranking at once; the rest queue in order (SHOULDERS_CONCURRENCY)")
	f.DurationVar(&c.DenseTimeout, "dense-timeout", envDuration("SHOULDERS_DENSE_TIMEOUT", 2*time.Second), "after this the hybrid retriever answers from BM25 alone (SHOULDERS_DENSE_TIMEOUT)")
}

// checkK refuses a candidate count that retrieves nothing, which a
// server would refuse too, rather than quietly using the default.
func (c *config) checkK() error {
	if c.K < 1 {
		return fmt.Errorf("-k must be at least 1, not %d", c.K)
	}
	return nil
}

func (c *config) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
}

// app is the wired pipeline.
type app struct {
	cfg      *config
	store    *index.Store
	reader   *reader.Reader
	ingester *index.Ingester
	// The vector side, nil when off.
	vectors *weaviate.Store
	synced  *index.Synced
	server  *weaviate.Server // managed child process, if any

	closeOnce sync.Once
	closeErr  error
}

func (c *config) open() (*app, error) { return c.openAt(c.DataDir) }

// openAt wires the pipeline over the store in dir.
func (c *config) openAt(dir string) (*app, error) {
	if err := corpus.ValidateCollection(c.Collection); err != nil {
		return nil, err
	}
	if err := c.notServed(dir); err != nil {
		return nil, err
	}
	policy, err := reader.ParsePolicy(c.Packing)
	if err != nil {
		return nil, err
	}
	if c.LMContext <= c.AnswerReserve {
		return nil, fmt.Errorf("LM context (%d tokens) must be larger than the answer reserve (%d)", c.LMContext, c.AnswerReserve)
	}
	store, err := index.OpenStore(dir, index.Options{TitleBoost: c.TitleBoost})
	if err != nil {
		return nil, err
	}
	var lm reader.LM
	if c.LMURL != "" {
		cl, err := openai.New(openai.Config{URL: c.LMURL, Model: c.LMModel, APIKey: c.LMAPIKey,
			API: openai.API(strings.ToLower(c.LMAPI)), Timeout: c.LMTimeout})
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("LM: %w", err)
		}
		lm = cl
	}
	rd := &reader.Reader{
		Retrievers:       map[string]retriever.Retriever{"bm25": retriever.BM25{Store: store}},
		DefaultRetrieval: c.Retrieval,
		LM:               lm,
		LMFallback:       c.LMFallback,
		Demos:            reader.Pools{Store: store},
		Tokens:           reader.NewTokenCounter(c.LMModel, c.Tokenizer),
		Config: reader.Config{ContextTokens: c.LMContext, AnswerReserve: c.AnswerReserve,
			K: c.K, Policy: policy},
		Concurrency: c.Concurrency,
	}
	log := c.logger()
	rd.OnDegraded = func(mode string, parts []string) {
		log.Warn("answered without some parts", "retrieval", mode, "unavailable", parts)
	}
	if c.RerankerPath != "none" && c.RerankerPath != "" {
		r, _, err := c.loadReranker(store)
		switch {
		case err == nil:
			sw := &swappable{}
			sw.set(r)
			rd.Reranker = sw
		case errors.Is(err, os.ErrNotExist) && c.RerankerPath == rerank.DefaultModelPath:
			// No shipped model where we run from: answer without re-ranking.
		default:
			store.Close()
			return nil, err
		}
	}
	if c.CrossURL != "" {
		ce, err := rerankapi.New(rerankapi.Config{URL: c.CrossURL, Model: c.CrossModel, APIKey: c.CrossAPIKey,
			API: rerankapi.API(strings.ToLower(c.CrossAPI)), Top: c.CrossTop})
		if err != nil {
			store.Close()
			return nil, fmt.Errorf("cross-encoder: %w", err)
		}
		rd.CrossEncoder = ce
	}
	in := &index.Ingester{Chunker: corpus.Chunker{Words: c.ChunkWords, Overlap: c.ChunkOverlap}}
	a := &app{cfg: c, store: store, reader: rd, ingester: in}
	if err := a.openVectors(dir); err != nil {
		store.Close()
		return nil, err
	}
	if a.vectors == nil {
		rd.Unavailable = map[string]string{}
		for _, m := range vectorModes {
			rd.Unavailable[m] = "it needs Weaviate, which is off here (SHOULDERS_WEAVIATE=auto with 'make weaviate' built, or SHOULDERS_WEAVIATE_URL)"
		}
	}
	if err := rd.CheckMode(c.Retrieval); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// vectorModes are the retrieval modes that openVectors adds.
var vectorModes = []string{"dense", "hybrid", "weaviate-bm25", "weaviate-hybrid"}

// openVectors connects the vector side: the configured Weaviate, or a
// managed weaviate-server beside the data, with the configured embedder.
func (a *app) openVectors(dir string) error {
	c := a.cfg
	log := c.logger()
	switch {
	case c.Weaviate == "off":
		return nil
	case c.Weaviate != "auto":
		return fmt.Errorf("--weaviate must be auto or off, not %q", c.Weaviate)
	}
	url, grpcAddr := c.WeaviateURL, c.WeaviateGRPC
	if url == "" {
		if _, err := os.Stat(c.WeaviateBin); err != nil {
			log.Warn("dense and hybrid retrieval are off: no Weaviate (build it with 'make weaviate', or set SHOULDERS_WEAVIATE_URL)", "binary", c.WeaviateBin)
			return nil
		}
		srv, err := weaviate.StartServer(context.Background(), weaviate.ServerOptions{Binary: c.WeaviateBin,
			DataDir: filepath.Join(dir, "weaviate"), LogPath: filepath.Join(dir, "weaviate.log")})
		if errors.Is(err, weaviate.ErrInUse) {
			return fmt.Errorf("%w; stop it first, or send the work to it: --server (or --addr) for ingest, ask, search, backup and collections", err)
		}
		if err != nil {
			return fmt.Errorf("managed Weaviate: %w (or set SHOULDERS_WEAVIATE=off)", err)
		}
		a.server, url, grpcAddr = srv, srv.URL(), srv.GRPCAddr()
		log.Info("started Weaviate", "url", url, "pid", srv.PID(), "log", filepath.Join(dir, "weaviate.log"))
		srv.Supervise(log)
	}
	vs, err := weaviate.Open(url, grpcAddr, 30*time.Second)
	if err != nil {
		return err
	}
	vs.Keywords = c.WeaviateKeywords
	var emb index.EmbedderSource
	switch c.Embedder {
	case "builtin":
		emb = &lsa.Source{Options: lsa.Options{Seed: 1}}
	case "openai":
		cl, err := openaiembed.New(openaiembed.Config{URL: c.EmbedURL, Model: c.EmbedModel, APIKey: c.EmbedAPIKey, Dim: c.EmbedDim})
		if err != nil {
			return err
		}
		emb = cl
	default:
		return fmt.Errorf("unknown embedder %q (want builtin or openai)", c.Embedder)
	}
	a.vectors = vs
	a.synced = &index.Synced{Store: a.store, Vectors: vs, Embedders: emb, Log: log}
	bm25 := a.reader.Retrievers["bm25"]
	dense := retriever.Dense{Store: a.store, Vectors: vs, Embedders: emb, Behind: a.synced.Behind}
	r := a.reader.Retrievers
	r["dense"] = dense
	r["hybrid"] = retriever.Hybrid{Keyword: bm25, Dense: dense, Method: c.Fusion, Alpha: c.FusionAlpha, DenseTimeout: c.DenseTimeout}
	r["weaviate-bm25"] = retriever.WeaviateBM25{Store: a.store, Vectors: vs}
	r["weaviate-hybrid"] = retriever.WeaviateHybrid{Dense: dense, Alpha: 0.5}
	return nil
}

// Close closes the store and stops the managed Weaviate; later calls
// return the first one's error.
func (a *app) Close() error {
	a.closeOnce.Do(func() {
		a.closeErr = a.store.Close()
		if a.server != nil {
			if e := a.server.Stop(); e != nil && a.closeErr == nil {
				a.closeErr = e
			}
		}
	})
	return a.closeErr
}
