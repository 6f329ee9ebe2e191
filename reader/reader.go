package reader

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// Config sets the context arithmetic of the frozen LM.
type Config struct {
	// ContextTokens is the LM's context length (default 4096).
	ContextTokens int
	// AnswerReserve is kept free for the answer (default 256).
	AnswerReserve int
	// K is the number of candidates retrieved (default retriever.DefaultK).
	K int
	// Policy decides what packing does with a passage that does not fit.
	Policy Policy
	// Temperature of generation (default 0: the most likely answer).
	Temperature float64
}

// Defaults of Config.
const (
	DefaultContextTokens = 4096
	DefaultAnswerReserve = 256
)

func (c Config) withDefaults() Config {
	if c.ContextTokens <= 0 {
		c.ContextTokens = DefaultContextTokens
	}
	if c.AnswerReserve <= 0 {
		c.AnswerReserve = DefaultAnswerReserve
	}
	if c.K <= 0 {
		c.K = retriever.DefaultK
	}
	if c.Policy == "" {
		c.Policy = DefaultPolicy
	}
	return c
}

// A Reader answers questions over retrieved passages with a frozen LM.
type Reader struct {
	// Retrievers by retrieval mode name ("bm25", ...).
	Retrievers map[string]retriever.Retriever
	// Unavailable says, by mode name, why a mode this build knows is not
	// configured here ("dense" without a vector index), so that asking
	// for it is answered with the reason.
	Unavailable map[string]string
	// DefaultRetrieval names the mode used when a request names none.
	DefaultRetrieval string
	// LM writes answers; nil means evidence answers.
	LM LM
	// Reranker, when set, reorders candidates before packing; requests
	// may turn it off.
	Reranker Reranker
	// CrossEncoder, when set, reorders the head of the re-ranked list
	// with a cross-encoder server; requests that turn re-ranking off skip
	// it too. If it fails, the answer keeps the first stage's order and
	// says so in Degraded.
	CrossEncoder CrossEncoder
	// Demos finds worked examples for requests that ask for them.
	Demos DemoSource
	// LMFallback answers with evidence, in Degraded as "lm", when the LM
	// fails before it has written any of the answer: a user keeps the
	// passages and their best sentences while the LM server is down.
	LMFallback bool
	// OnDegraded, when set, is told of every degraded retrieval or
	// reading (for metrics and logs).
	OnDegraded func(mode string, parts []string)
	Tokens     TokenCounter
	Config     Config
	// Concurrency bounds how many requests retrieve and re-rank at once
	// (0: no bound). Those stages are CPU work: past the core count, more
	// of them at once only stretch every request, so the rest wait their
	// turn in order, which keeps the slowest requests close to the median.
	Concurrency int

	slotsOnce sync.Once
	slots     chan struct{}
}

// acquire waits for a slot of the CPU stages; release gives it back.
func (r *Reader) acquire(ctx context.Context) (release func(), err error) {
	if r.Concurrency <= 0 {
		return func() {}, nil
	}
	r.slotsOnce.Do(func() { r.slots = make(chan struct{}, r.Concurrency) })
	select {
	case r.slots <- struct{}{}:
		return func() { <-r.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// A Request is one question with its per-request settings. Zero values
// take the Reader's defaults.
type Request struct {
	Question   string
	Collection string
	Retrieval  string
	K          int
	// Filter limits retrieval to some of the collection's documents.
	Filter index.Filter
	// Budget caps the passage tokens below what the context allows.
	Budget int
	Policy Policy
	// Rerank turns the re-ranker on or off for this request; nil means
	// on whenever a model is loaded.
	Rerank *bool
	// Recursion reads the context more than once (needs an LM).
	Recursion Recursion
	// Demos puts worked examples before the question (needs an LM).
	Demos   Demos
	OnDelta func(delta string) error
}

// ErrNeedsLM is returned for settings that only an LM can carry out.
var ErrNeedsLM = errors.New("no LM is configured")

// A Reranker reorders a question's candidates, best first.
type Reranker interface {
	Rerank(ctx context.Context, collection, question string, cands []retriever.Candidate) ([]retriever.Candidate, error)
}

// A CrossEncoder reorders candidates by a second, external model.
type CrossEncoder interface {
	Rerank(ctx context.Context, question string, cands []retriever.Candidate) ([]retriever.Candidate, error)
}

func (r *Reader) reranks(req Request) bool {
	return (r.Reranker != nil || r.CrossEncoder != nil) && (req.Rerank == nil || *req.Rerank)
}

// ErrUnknownRetrieval is returned for a retrieval mode not configured.
var ErrUnknownRetrieval = errors.New("unknown retrieval mode")

// Modes lists the configured retrieval modes, sorted.
func (r *Reader) Modes() []string {
	out := make([]string, 0, len(r.Retrievers))
	for m := range r.Retrievers {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// unknownMode is the error for a mode not configured, with the reason
// when one is known.
func (r *Reader) unknownMode(mode string) error {
	if why := r.Unavailable[mode]; why != "" {
		return fmt.Errorf("%w %q: %s (available: %s)", ErrUnknownRetrieval, mode, why, strings.Join(r.Modes(), ", "))
	}
	return fmt.Errorf("%w %q (available: %s)", ErrUnknownRetrieval, mode, strings.Join(r.Modes(), ", "))
}

// CheckMode reports whether mode is configured, with ErrUnknownRetrieval
// and the reason when it is not.
func (r *Reader) CheckMode(mode string) error {
	if _, ok := r.Retrievers[mode]; !ok {
		return r.unknownMode(mode)
	}
	return nil
}

// Retrieval is the outcome of Retrieve.
type Retrieval struct {
	Candidates []retriever.Candidate
	Mode       string
	// Degraded names the parts that failed, when the candidates come from
	// what was left (BM25 alone while the vector index is down).
	Degraded []string
	// Reranked says the re-ranker ordered the candidates.
	Reranked bool
	// RerankMS is the time the re-ranker took.
	RerankMS float64
}

// Retrieve runs the request's retriever. When a retriever that depends on
// the vector index fails, it answers from BM25 and says so in Degraded,
// rather than failing the request.
func (r *Reader) Retrieve(ctx context.Context, req Request) (Retrieval, error) {
	mode := req.Retrieval
	if mode == "" {
		mode = r.DefaultRetrieval
	}
	res := Retrieval{Mode: mode}
	ret, ok := r.Retrievers[mode]
	if !ok {
		return res, r.unknownMode(mode)
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return res, err
	}
	defer release()
	k := req.K
	if k <= 0 {
		k = r.Config.withDefaults().K
	}
	q := retriever.Query{Collection: req.Collection, Text: req.Question, K: k, Filter: req.Filter}
	cands, err := ret.Retrieve(ctx, q)
	var deg *retriever.Degraded
	switch {
	case err == nil:
	case errors.As(err, &deg):
		res.Degraded, err = deg.Parts, nil
	case mode != Fallback && r.Retrievers[Fallback] != nil && fallbackable(ctx, err):
		if cands, err = r.Retrievers[Fallback].Retrieve(ctx, q); err == nil {
			res.Degraded = []string{"dense"}
			deg = &retriever.Degraded{Parts: res.Degraded}
		}
	}
	if deg != nil && r.OnDegraded != nil {
		r.OnDegraded(mode, res.Degraded)
	}
	res.Candidates = cands
	if err == nil && r.reranks(req) {
		t := time.Now()
		if r.Reranker != nil {
			res.Candidates, err = r.Reranker.Rerank(ctx, req.Collection, req.Question, cands)
		}
		if err == nil && r.CrossEncoder != nil {
			var out []retriever.Candidate
			out, err = r.CrossEncoder.Rerank(ctx, req.Question, res.Candidates)
			var ce *retriever.Degraded
			if errors.As(err, &ce) && ctx.Err() == nil {
				// The first stage's order stands; say what is missing.
				res.Degraded, err = append(res.Degraded, ce.Parts...), nil
				if r.OnDegraded != nil {
					r.OnDegraded(mode, ce.Parts)
				}
			}
			res.Candidates = out
		}
		res.Reranked, res.RerankMS = err == nil, ms(time.Since(t))
	}
	return res, err
}

// Fallback is the retrieval mode used when another one fails.
const Fallback = "bm25"

// fallbackable tells a failure of the vector side (down, slow, not ready)
// from one BM25 would share (no such collection, the client gone).
func fallbackable(ctx context.Context, err error) bool {
	return ctx.Err() == nil && !errors.Is(err, index.ErrNoCollection) && !errors.Is(err, retriever.ErrNoFilter)
}

// Budget is the number of passage tokens a question may use: the context
// less the prompt around the passages and the answer reserve, capped by
// the request's own budget.
func (r *Reader) Budget(question string, requested int) int {
	return r.budget(Request{Question: question, Budget: requested})
}

// budget is Budget for a request: a textual recursion keeps room for its
// candidate list, and the prompt around demos is a little longer.
func (r *Reader) budget(req Request) int {
	cfg := r.Config.withDefaults()
	b := cfg.ContextTokens - cfg.AnswerReserve - promptOverhead(req.Question, r.Tokens, req.Demos.On(), req.Recursion.Mode == RecursionTextual)
	if req.Recursion.Mode == RecursionTextual {
		b -= candidatesReserve(req.Recursion.withDefaults().Samples, r.Tokens)
	}
	if req.Budget > 0 && req.Budget < b {
		b = req.Budget
	}
	return max(b, 0)
}

// Ask retrieves, packs and answers one question.
func (r *Reader) Ask(ctx context.Context, req Request) (*Answer, error) {
	cfg := r.Config.withDefaults()
	start := time.Now()
	if r.LM == nil && (req.Recursion.On() || req.Demos.On()) {
		return nil, fmt.Errorf("%w: recursion and demos need one (set SHOULDERS_LM_URL)", ErrNeedsLM)
	}
	var demos []Demo
	if req.Demos.On() {
		if r.Demos == nil {
			return nil, fmt.Errorf("%w %q: no demonstration pools are set up", ErrNoPool, req.Demos.Pool)
		}
		d := req.Demos.WithDefaults()
		var err error
		if demos, err = r.Demos.Demos(ctx, d.Pool, req.Question, d.K); err != nil {
			return nil, err
		}
	}
	rt, err := r.Retrieve(ctx, req)
	if err != nil {
		return nil, err
	}
	cands, mode := rt.Candidates, rt.Mode
	retrieved := time.Now()

	policy := req.Policy
	if policy == "" {
		policy = cfg.Policy
	}
	// Demos and passages share the budget: demos may take their share,
	// passages get the rest and whatever demos leave unused.
	budget := r.budget(req)
	pk, demos, demoTokens := PackWithDemos(cands, demos, budget, req.Demos.WithDefaults().Share, r.Tokens, policy)
	packed := time.Now()

	a := &Answer{
		Question: req.Question, Collection: req.Collection, Retrieval: mode, Degraded: rt.Degraded, Reranked: rt.Reranked,
		Packed: pk.Packed, Left: pk.Left, Demos: demos,
		Tokens: TokenReport{Context: cfg.ContextTokens, Budget: budget, Used: pk.Used + demoTokens, Demos: demoTokens, Counter: r.Tokens.Name()},
		Timing: Timing{RetrieveMS: ms(retrieved.Sub(start)) - rt.RerankMS, RerankMS: rt.RerankMS, PackMS: ms(packed.Sub(retrieved))},
	}
	if a.Packed == nil {
		a.Packed = []Packed{}
	}
	switch {
	case r.LM == nil:
		a.Mode = ModeEvidence
		a.Answer, a.Citations = Evidence(req.Question, pk.Packed)
		if req.OnDelta != nil && a.Answer != "" {
			if err := req.OnDelta(a.Answer); err != nil {
				return nil, err
			}
		}
	case len(pk.Packed) == 0:
		// Nothing to read: do not let the LM answer from its own memory.
		a.Demos, a.Tokens.Used, a.Tokens.Demos = nil, 0, 0
		a.Mode = ModeGenerated
		a.Model = r.LM.Model()
		a.Answer, a.Citations = "I don't know.", []Citation{}
	default:
		a.Mode = ModeGenerated
		a.Model = r.LM.Model()
		wrote := false
		onDelta := req.OnDelta
		if onDelta != nil {
			onDelta = func(d string) error { wrote = true; return req.OnDelta(d) }
		}
		rd, err := Reading{
			Question: req.Question, Packed: pk.Packed, Demos: demos, Recursion: req.Recursion,
			MaxTokens: cfg.AnswerReserve, Temperature: cfg.Temperature, OnDelta: onDelta, Tokens: r.Tokens,
		}.Do(ctx, r.LM)
		a.Timing.LMMS = ms(time.Since(packed))
		if err != nil {
			le := r.fallback(ctx, err, wrote)
			if le == nil {
				return nil, err
			}
			// The evidence answer reads the passages alone.
			a.Mode, a.Model, a.LMError = ModeEvidence, "", le
			a.Demos, a.Tokens.Used, a.Tokens.Demos = nil, pk.Used, 0
			a.Answer, a.Citations = Evidence(req.Question, pk.Packed)
			a.Degraded = append(a.Degraded, "lm")
			if r.OnDegraded != nil {
				r.OnDegraded(mode, []string{"lm"})
			}
			break
		}
		a.Answer = rd.Text
		a.Citations = Cite(a.Answer, pk.Packed)
		a.Recursion = rd.Recursion
		a.Tokens.Prompt, a.Tokens.Completion = rd.PromptTokens, rd.CompletionTokens
	}
	a.Timing.TotalMS = ms(time.Since(start))
	return a, nil
}

// fallback returns the LM failure that an evidence answer may stand in
// for, or nil: when fallback is off, the client went away, the error is
// not the LM's, or part of the answer was already sent.
func (r *Reader) fallback(ctx context.Context, err error, wrote bool) *LMError {
	var le *LMError
	if !r.LMFallback || wrote || ctx.Err() != nil || !errors.As(err, &le) {
		return nil
	}
	out := *le
	var pe *PassError
	if errors.As(err, &pe) {
		out.Message = pe.Pass + " pass: " + out.Message
	}
	return &out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
