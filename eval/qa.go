package eval

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/retriever"
)

// A Ranker produces the ordered candidates of a question, reporting the
// milliseconds spent in each stage (retrieve, fuse, rerank).
type Ranker func(ctx context.Context, question string) ([]retriever.Candidate, map[string]float64, error)

// QARun measures a ranker on questions with gold answers.
type QARun struct {
	Dataset string
	Split   string
	Ranker  string
	Rank    Ranker
	// Tokens counts passage tokens for packing.
	Tokens  reader.TokenCounter
	Budgets []int
	Policy  reader.Policy
	// LM, when set, answers from the context packed at LMBudget tokens and
	// the run reports exact match and F1.
	LM       reader.LM
	LMBudget int
	// Readers are the ways the LM reads the packed context, compared on
	// the same candidates; empty means the plain reader alone.
	Readers []ReaderVariant
	// Demos finds the worked examples of readers that use them.
	Demos   reader.DemoSource
	Workers int
	// Progress is called after each question with the number done.
	Progress func(done int)
}

// QAMetrics are the figures of one subset of questions.
type QAMetrics struct {
	N int `json:"n"`
	// TopK maps k to DPR top-k accuracy, percent.
	TopK map[int]float64 `json:"top_k"`
	// Recall maps a token budget to answer recall within it, percent.
	Recall map[int]float64 `json:"recall_at_budget"`
	// Packed maps a token budget to the mean number of passages packed.
	Packed map[int]float64 `json:"packed_at_budget"`
	EM     *float64        `json:"em,omitempty"`
	F1     *float64        `json:"f1,omitempty"`
	// Evidence is, without an LM, the percentage of questions whose
	// evidence answer (sentences quoted from the context packed at the
	// LM budget) holds a gold answer; EvidenceWords its mean length.
	Evidence      *float64 `json:"evidence_hit,omitempty"`
	EvidenceWords *float64 `json:"evidence_words,omitempty"`
}

// QAResult is the outcome of a QARun.
type QAResult struct {
	Dataset string `json:"dataset"`
	Split   string `json:"split"`
	Ranker  string `json:"ranker"`
	// Packing is the policy that packed the contexts.
	Packing reader.Policy             `json:"packing"`
	Subsets map[string]*QAMetrics     `json:"subsets"`
	Latency map[string]LatencySummary `json:"latency"`
	// LMTokens counts the LM's prompt and completion tokens, summed.
	LMTokens map[string]int `json:"lm_tokens,omitempty"`
	// Readers compares the ways of reading, when an LM is configured.
	Readers []*ReaderResult `json:"readers,omitempty"`
	// EvidenceBudget is the context, in tokens, that evidence answers
	// were quoted from (without an LM).
	EvidenceBudget int     `json:"evidence_budget,omitempty"`
	Note           string  `json:"note,omitempty"`
	ElapsedMS      float64 `json:"elapsed_ms"`
	// Samples keeps every stage latency, for histograms.
	Samples map[string][]float64 `json:"-"`
	// Questions holds each question's outcome, in the order asked: for
	// paired comparisons of rankers and for the per-question file.
	Questions []QuestionResult `json:"-"`
}

// A ReaderVariant is one way of reading: plain, recursive, with demos.
type ReaderVariant struct {
	Name      string           `json:"name"`
	Recursion reader.Recursion `json:"recursion"`
	Demos     reader.Demos     `json:"demos"`
}

// PlainReader reads once, without demos.
var PlainReader = ReaderVariant{Name: "plain", Recursion: reader.Recursion{Mode: reader.RecursionOff}}

// ReaderResult holds the answer figures of one ReaderVariant.
type ReaderResult struct {
	ReaderVariant
	Subsets map[string]*ReaderMetrics `json:"subsets"`
	// Latency of the LM passes per question, milliseconds.
	Latency LatencySummary `json:"latency"`
	// Per question, on average: LM tokens and requests.
	PromptTokens     float64 `json:"prompt_tokens"`
	CompletionTokens float64 `json:"completion_tokens"`
	Calls            float64 `json:"calls"`
	DemoTokens       float64 `json:"demo_tokens,omitempty"`
}

// ReaderMetrics are the answer figures of one subset.
type ReaderMetrics struct {
	N  int     `json:"n"`
	EM float64 `json:"em"`
	F1 float64 `json:"f1"`
}

type readOutcome struct {
	text                string
	em, f1              float64
	in, out, calls, dem int
	ms                  float64
}

type qaOutcome struct {
	subset   string
	top      []string
	first    int
	inBudget []bool
	packed   []int
	em, f1   float64
	// evidence: the evidence answer holds a gold answer; evWords its length.
	evidence bool
	evWords  int
	evText   string
	// scored: the question has answer strings, so EM and F1 apply (not to
	// questions labelled only with relevant ids).
	scored bool
	stages map[string]float64
	lmIn   int
	lmOut  int
	reads  []readOutcome
}

// Run evaluates every question, in parallel, and aggregates by subset;
// "all" covers every question.
func (r QARun) Run(ctx context.Context, qs []corpus.Question) (*QAResult, error) {
	start := time.Now()
	workers := r.Workers
	if workers <= 0 {
		workers = 2
	}
	budgets := r.Budgets
	if budgets == nil {
		budgets = Budgets
	}
	out := make([]qaOutcome, len(qs))
	jobs := make(chan int)
	errs := make(chan error, workers)
	var done int
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				o, err := r.one(ctx, qs[i], budgets)
				if err != nil {
					errs <- fmt.Errorf("question %s: %w", qs[i].ID, err)
					cancel()
					return
				}
				out[i] = o
				mu.Lock()
				done++
				if r.Progress != nil {
					r.Progress(done)
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range qs {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := r.aggregate(qs, out, budgets)
	res.ElapsedMS = ms(time.Since(start))
	return res, nil
}

func (r QARun) one(ctx context.Context, q corpus.Question, budgets []int) (qaOutcome, error) {
	o := qaOutcome{subset: q.Subset, stages: map[string]float64{}}
	rel, err := NewRelevance(q)
	if err != nil {
		return o, err
	}
	t0 := time.Now()
	cands, stages, err := r.Rank(ctx, q.Text)
	if err != nil {
		return o, err
	}
	for k, v := range stages {
		o.stages[k] = v
	}
	if len(stages) == 0 {
		o.stages["retrieve"] = ms(time.Since(t0))
	}
	has := make([]bool, len(cands))
	for i, c := range cands {
		has[i] = rel.Passage(c.Passage)
	}
	o.first = FirstHit(len(cands), func(i int) bool { return has[i] })
	for _, c := range cands[:min(len(cands), topIDs)] {
		o.top = append(o.top, c.Passage.ID)
	}
	o.scored = rel.HasAnswers()
	idx := map[string]int{}
	for i, c := range cands {
		idx[c.Passage.ID] = i
	}
	var lmPacking reader.Packing
	o.inBudget, o.packed = make([]bool, len(budgets)), make([]int, len(budgets))
	// The budgets share one question's token counts; the largest packs
	// first, timed before any count is remembered.
	tc := &memoTokens{TokenCounter: r.Tokens, n: map[string]int{}}
	for bi := len(budgets) - 1; bi >= 0; bi-- {
		b := budgets[bi]
		t := time.Now()
		p := reader.Pack(cands, b, tc, r.Policy)
		if bi == len(budgets)-1 {
			o.stages["pack"] = ms(time.Since(t))
		}
		for _, pk := range p.Packed {
			// An excerpt holds the answer only if its own text does.
			if has[idx[pk.Passage.ID]] && (!pk.Excerpted || rel.Excerpt(pk.Passage.Text)) {
				o.inBudget[bi] = true
				break
			}
		}
		o.packed[bi] = len(p.Packed)
		if b == r.LMBudget {
			lmPacking = p
		}
	}
	budget := r.lmBudget(budgets)
	if r.LM == nil && o.scored {
		if lmPacking.Budget != budget {
			lmPacking = reader.Pack(cands, budget, tc, r.Policy)
		}
		ev, _ := reader.Evidence(q.Text, lmPacking.Packed)
		ev = reader.StripCitations(ev)
		o.evidence, o.evWords, o.evText = ev != "" && rel.Excerpt(ev), len(strings.Fields(ev)), ev
	}
	if r.LM != nil {
		for vi, v := range r.readers() {
			t := time.Now()
			ro, err := r.read(ctx, q, v, cands, budget, lmPacking)
			if err != nil {
				return o, fmt.Errorf("reader %s: %w", v.Name, err)
			}
			ro.ms = ms(time.Since(t))
			if vi == 0 {
				o.stages["lm"] = ro.ms
				o.em, o.f1, o.lmIn, o.lmOut = ro.em, ro.f1, ro.in, ro.out
			}
			o.reads = append(o.reads, ro)
		}
	}
	return o, nil
}

// lmBudget is the context the LM reads, or evidence answers quote:
// LMBudget, else the largest budget measured.
func (r QARun) lmBudget(budgets []int) int {
	if r.LMBudget > 0 {
		return r.LMBudget
	}
	return budgets[len(budgets)-1]
}

func (r QARun) readers() []ReaderVariant {
	if len(r.Readers) == 0 {
		return []ReaderVariant{PlainReader}
	}
	return r.Readers
}

// read answers q with one reader variant. Demos take their share of the
// budget first, as in Reader.Ask; without demos the packing measured at
// the budget is reused.
func (r QARun) read(ctx context.Context, q corpus.Question, v ReaderVariant, cands []retriever.Candidate, budget int, pk reader.Packing) (readOutcome, error) {
	var demos []reader.Demo
	var demoTokens int
	switch {
	case v.Demos.On():
		if r.Demos == nil {
			return readOutcome{}, fmt.Errorf("no demonstration pools to draw from")
		}
		d := v.Demos.WithDefaults()
		found, err := r.Demos.Demos(ctx, d.Pool, q.Text, d.K)
		if err != nil {
			return readOutcome{}, err
		}
		pk, demos, demoTokens = reader.PackWithDemos(cands, found, budget, d.Share, r.Tokens, r.Policy)
	case pk.Budget != budget:
		pk = reader.Pack(cands, budget, r.Tokens, r.Policy)
	}
	rd, err := reader.Reading{Question: q.Text, Packed: pk.Packed, Demos: demos, Recursion: v.Recursion, MaxTokens: 64, Tokens: r.Tokens}.Do(ctx, r.LM)
	if err != nil {
		return readOutcome{}, err
	}
	ans := reader.StripCitations(rd.Text)
	ro := readOutcome{text: ans, em: ExactMatch(ans, q.Answers), f1: F1(ans, q.Answers), in: rd.PromptTokens, out: rd.CompletionTokens, calls: 1, dem: demoTokens}
	if rd.Recursion != nil {
		ro.calls = 0
		for _, p := range rd.Recursion.Passes {
			ro.calls += p.Calls
		}
	}
	return ro, nil
}

func (r QARun) aggregate(qs []corpus.Question, out []qaOutcome, budgets []int) *QAResult {
	res := &QAResult{Dataset: r.Dataset, Split: r.Split, Ranker: r.Ranker, Packing: r.Policy, Subsets: map[string]*QAMetrics{}, Latency: map[string]LatencySummary{}}
	if res.Packing == "" {
		res.Packing = reader.DefaultPolicy
	}
	groups := map[string][]qaOutcome{"all": out}
	for _, o := range out {
		if o.subset != "" {
			groups[o.subset] = append(groups[o.subset], o)
		}
	}
	if len(groups) == 2 { // one named subset: it is "all"
		for k := range groups {
			if k != "all" {
				delete(groups, k)
			}
		}
	}
	for name, g := range groups {
		m := &QAMetrics{N: len(g), TopK: map[int]float64{}, Recall: map[int]float64{}, Packed: map[int]float64{}}
		firsts := make([]int, len(g))
		for i, o := range g {
			firsts[i] = o.first
		}
		for _, k := range TopKs {
			m.TopK[k] = TopKAccuracy(firsts, k)
		}
		for bi, b := range budgets {
			flags := make([]bool, len(g))
			packed := make([]float64, len(g))
			for i, o := range g {
				flags[i] = o.inBudget[bi]
				packed[i] = float64(o.packed[bi])
			}
			m.Recall[b] = Share(flags)
			m.Packed[b] = Mean(packed)
		}
		if r.LM != nil {
			var ems, f1s []float64
			for _, o := range g {
				if o.scored {
					ems = append(ems, 100*o.em)
					f1s = append(f1s, 100*o.f1)
				}
			}
			if len(ems) > 0 {
				em, f1 := Mean(ems), Mean(f1s)
				m.EM, m.F1 = &em, &f1
			}
		} else {
			var hits []bool
			var words []float64
			for _, o := range g {
				if o.scored {
					hits = append(hits, o.evidence)
					words = append(words, float64(o.evWords))
				}
			}
			if len(hits) > 0 {
				hit, w := Share(hits), Mean(words)
				m.Evidence, m.EvidenceWords = &hit, &w
			}
		}
		res.Subsets[name] = m
	}
	stages := map[string][]float64{}
	for _, o := range out {
		for k, v := range o.stages {
			stages[k] = append(stages[k], v)
		}
		if r.LM != nil {
			if res.LMTokens == nil {
				res.LMTokens = map[string]int{}
			}
			res.LMTokens["prompt"] += o.lmIn
			res.LMTokens["completion"] += o.lmOut
		}
	}
	for k, v := range stages {
		res.Latency[k] = Summarize(v)
	}
	if r.LM != nil {
		res.Readers = r.aggregateReaders(out, groups)
	}
	res.Samples = stages
	res.Questions = r.questions(qs, out, budgets)
	if r.LM == nil {
		res.EvidenceBudget = r.lmBudget(budgets)
		res.Note = "no LM configured: exact match and F1 need an LM (set SHOULDERS_LM_URL); retrieval and packing metrics only"
	}
	return res
}

func (r QARun) aggregateReaders(out []qaOutcome, groups map[string][]qaOutcome) []*ReaderResult {
	var res []*ReaderResult
	for vi, v := range r.readers() {
		rr := &ReaderResult{ReaderVariant: v, Subsets: map[string]*ReaderMetrics{}}
		for name, g := range groups {
			var ems, f1s []float64
			for _, o := range g {
				if o.scored {
					ems = append(ems, 100*o.reads[vi].em)
					f1s = append(f1s, 100*o.reads[vi].f1)
				}
			}
			rr.Subsets[name] = &ReaderMetrics{N: len(ems), EM: Mean(ems), F1: Mean(f1s)}
		}
		var lat, in, outTok, calls, dem []float64
		for _, o := range out {
			ro := o.reads[vi]
			lat = append(lat, ro.ms)
			in = append(in, float64(ro.in))
			outTok = append(outTok, float64(ro.out))
			calls = append(calls, float64(ro.calls))
			dem = append(dem, float64(ro.dem))
		}
		rr.Latency, rr.PromptTokens, rr.CompletionTokens, rr.Calls, rr.DemoTokens = Summarize(lat), Mean(in), Mean(outTok), Mean(calls), Mean(dem)
		res = append(res, rr)
	}
	return res
}

// SubsetNames lists a result's subsets with "all" first.
func (r *QAResult) SubsetNames() []string {
	var out []string
	for k := range r.Subsets {
		if k != "all" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return append([]string{"all"}, out...)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// memoTokens remembers the counts of one question's passages and
// excerpts, which packing at every budget counts again.
type memoTokens struct {
	reader.TokenCounter
	n map[string]int
}

func (m *memoTokens) Count(s string) int {
	if n, ok := m.n[s]; ok {
		return n
	}
	n := m.TokenCounter.Count(s)
	m.n[s] = n
	return n
}
