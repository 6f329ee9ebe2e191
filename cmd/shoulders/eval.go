package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/schollz/progressbar/v3"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/shoulders-qa/shoulders/retriever"
	"github.com/spf13/cobra"
)

type evalFlags struct {
	spec       eval.DatasetSpec
	retrievers []string
	reranker   string
	budgets    []int
	sample     int
	seed       uint64
	workers    int
	out        string
	lmBudget   int
	quiet      bool
	recursion  string
	samples    int
	demos      string
	demosK     int
	demosShare float64
}

func evalCmd(cfg *config) *cobra.Command {
	f := &evalFlags{}
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure retrieval, packing and answers on a benchmark",
		Long: `Measure the pipeline on a benchmark and write result.json, report.md and
report.html (with plots) to --out, and each run's per-question results:
questions-RANKER.jsonl (rank of the first answer-bearing passage, the best
passage IDs, whether each budget's context held an answer, the answer), or
for BEIR sets a TREC run file, run-RANKER.trec. Each ranker is also compared
with the first on the same questions: paired differences with 95%
intervals and randomization-test p-values.

Datasets: qamix (SQuAD dev + NQ oracle, with its fixed train/dev split),
squad, nq (NQ oracle), nq-open, dpr-nq, dpr-trivia, dpr-wq, dpr-curated,
dpr-squad (these need --corpus: their Wikipedia passages are not in the
shared data), scifact, beir (--corpus, --queries, --qrels), docs (questions
about Shoulders over its own docs/, what make run serves; run from the
repository root), and questions: your own --questions file over your
--corpus, each line a question with "answers", or with the "passage_ids"
or "doc_ids" that answer it.

Question-answering sets report DPR top-k accuracy (k = 1..100) and answer
recall within each token budget; with an LM configured also exact match and
F1. BEIR sets report nDCG@10, recall@100 and MRR@10. The corpus is indexed
once and cached under the data folder.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEval(cmd.Context(), cfg, f)
		},
	}
	cmd.AddCommand(evalCompareCmd())
	fl := cmd.Flags()
	fl.StringVar(&f.spec.Name, "dataset", "qamix", "dataset: "+strings.Join(eval.DatasetNames, ", "))
	fl.StringVar(&f.spec.Split, "split", "", "split: train, dev, test or all (default: the dataset's evaluation split)")
	fl.StringVar(&f.spec.Shared, "shared", env("SHOULDERS_SHARED_DATA", "../shared/data"), "shared benchmark data folder (SHOULDERS_SHARED_DATA)")
	fl.StringSliceVar(&f.spec.Corpus, "corpus", nil, "passage corpus files (required for nq-open, dpr-* and beir)")
	fl.StringVar(&f.spec.Questions, "questions", "", "questions file replacing the dataset's")
	fl.StringVar(&f.spec.Queries, "queries", "", "BEIR queries file")
	fl.StringVar(&f.spec.Qrels, "qrels", "", "BEIR relevance judgments (TREC or BEIR TSV)")
	fl.StringSliceVar(&f.retrievers, "retriever", []string{"bm25"}, "retrievers to compare, comma-separated")
	fl.StringVar(&f.reranker, "reranker", "none", "re-ranker: none or a model file")
	fl.IntSliceVar(&f.budgets, "budgets", eval.Budgets, "token budgets for answer recall")
	fl.IntVar(&f.sample, "sample", 0, "evaluate this many questions, drawn with --seed (0: all)")
	fl.Uint64Var(&f.seed, "seed", 1, "sampling seed")
	fl.IntVar(&f.workers, "workers", 2, "questions evaluated in parallel")
	fl.StringVar(&f.out, "out", "out/eval", "folder for result.json, report.md and report.html")
	fl.IntVar(&f.lmBudget, "lm-budget", eval.DefaultLMBudget, "passage budget of the LM's context for EM/F1 (without an LM, of the evidence answers), tokens")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bars")
	fl.StringVar(&f.recursion, "recursion", "off", "with an LM, also read recursively and compare with the plain reader: vote or textual")
	fl.IntVar(&f.samples, "samples", reader.DefaultSamples, "first-pass samples of --recursion")
	fl.StringVar(&f.demos, "demos", "", "with an LM, also read with worked examples: 'train' (the dataset's training split) or a JSONL file")
	fl.IntVar(&f.demosK, "demos-k", reader.DefaultDemoK, "most worked examples per question")
	fl.Float64Var(&f.demosShare, "demos-share", reader.DefaultDemoShare, "share of --lm-budget that worked examples may take")
	return cmd
}

// evalTokens is the counter of evaluation: cl100k_base unless the LM's own
// tokenizer is configured, so figures are comparable across machines.
func evalTokens(cfg *config) reader.TokenCounter {
	if cfg.Tokenizer == "" && cfg.LMModel == "" {
		return reader.NewTokenCounter("", "cl100k_base")
	}
	return reader.NewTokenCounter(cfg.LMModel, cfg.Tokenizer)
}

func runEval(ctx context.Context, cfg *config, f *evalFlags) error {
	ds, err := eval.LoadDataset(ctx, f.spec)
	if err != nil {
		return err
	}
	variants, err := f.readers()
	if err != nil {
		return err
	}
	ds.Sample(f.sample, f.seed)
	var rr *rerank.Reranker
	if f.reranker != "none" && f.reranker != "" {
		m, err := rerank.Load(f.reranker)
		if err != nil {
			return err
		}
		if rr, err = rerank.New(m); err != nil {
			return err
		}
	}
	cfg.WeaviateKeywords = cfg.WeaviateKeywords || comparesWeaviateKeywords(f.retrievers)
	a, err := cfg.openMeasuring(filepath.Join(cfg.DataDir, "eval"))
	if err != nil {
		return err
	}
	defer a.Close()
	col := "eval-" + ds.Name
	fig, cached, err := a.index(ctx, col, ds.Corpus, f.quiet)
	if err != nil {
		return err
	}
	if cached {
		fmt.Fprintf(os.Stderr, "using the cached index of %s (%d passages)\n", ds.Name, fig.Passages)
	}
	rep := &eval.Report{Title: "Shoulders evaluation: " + ds.Name, Date: time.Now().UTC(), Machine: eval.ThisMachine(),
		Command: "shoulders " + strings.Join(os.Args[1:], " ")}
	if !cached {
		rep.Ingest = append(rep.Ingest, fig)
	}
	if len(variants) > 1 {
		if a.reader.LM == nil {
			return fmt.Errorf("--recursion and --demos compare LM readers: configure an LM (SHOULDERS_LM_URL)")
		}
		if f.demos != "" {
			if err := a.loadEvalPool(ctx, f, ds); err != nil {
				return err
			}
		}
	}
	names := f.retrievers
	if rr != nil {
		// Each retriever is measured alone and followed by the re-ranker.
		for _, n := range f.retrievers {
			names = append(names, rerankedName(n))
		}
	}
	for _, name := range names {
		rank, err := a.rankerWith(name, col, rr)
		if err != nil {
			return err
		}
		if ds.IsBEIR() {
			bar := newBar(len(ds.Qrels), "eval "+ds.Name+" "+name, f.quiet)
			run := eval.BEIRRun{Dataset: ds.Name, Split: ds.Split, Ranker: name, Rank: rank, Workers: f.workers,
				Progress: func(int) { _ = bar.Add(1) }}
			res, err := run.Run(ctx, ds.Queries, ds.Qrels)
			_ = bar.Finish()
			if err != nil {
				return err
			}
			rep.BEIR = append(rep.BEIR, res)
			if err := writeRun(f.out, "run-"+fileSlug(name)+".trec", func(w io.Writer) error { return eval.WriteTREC(w, res) }); err != nil {
				return err
			}
			continue
		}
		bar := newBar(len(ds.Questions), "eval "+ds.Name+" "+name, f.quiet)
		run := eval.QARun{Dataset: ds.Name, Split: ds.Split, Ranker: name, Rank: rank, Tokens: evalTokens(cfg),
			Budgets: f.budgets, Policy: a.reader.Config.Policy, LM: a.reader.LM, LMBudget: f.lmBudget,
			Readers: variants, Demos: reader.Pools{Store: a.store}, Workers: f.workers, Progress: func(int) { _ = bar.Add(1) }}
		res, err := run.Run(ctx, ds.Questions)
		_ = bar.Finish()
		if err != nil {
			return err
		}
		rep.QA = append(rep.QA, res)
		if err := writeRun(f.out, "questions-"+fileSlug(name)+".jsonl", func(w io.Writer) error { return eval.WriteQuestions(w, res.Questions) }); err != nil {
			return err
		}
		if res.Note != "" && name == f.retrievers[0] {
			rep.Notes = append(rep.Notes, "Note: "+res.Note+".")
		}
	}
	if err := writeReport(f.out, rep, "report"); err != nil {
		return err
	}
	fmt.Print(rep.Markdown())
	fmt.Fprintf(os.Stderr, "wrote %s\n", filepath.Join(f.out, "report.html"))
	return nil
}

// evalPool is the demonstration pool of an evaluation, in its own store.
const evalPool = "eval-demos"

// readers lists the reader variants to compare: the plain reader, then
// the ones the flags ask for.
func (f *evalFlags) readers() ([]eval.ReaderVariant, error) {
	out := []eval.ReaderVariant{eval.PlainReader}
	mode, err := reader.ParseRecursionMode(f.recursion)
	if err != nil {
		return nil, err
	}
	rec := reader.Recursion{Mode: mode, Samples: f.samples}
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	demos := reader.Demos{K: f.demosK, Share: f.demosShare}
	if f.demos != "" {
		demos.Pool = evalPool
	}
	if err := demos.Validate(); err != nil {
		return nil, err
	}
	if rec.On() {
		out = append(out, eval.ReaderVariant{Name: fmt.Sprintf("%s×%d", mode, rec.Samples), Recursion: rec})
	}
	if demos.On() {
		out = append(out, eval.ReaderVariant{Name: fmt.Sprintf("demos k=%d", demos.K), Recursion: reader.Recursion{Mode: reader.RecursionOff}, Demos: demos})
	}
	if rec.On() && demos.On() {
		out = append(out, eval.ReaderVariant{Name: fmt.Sprintf("%s×%d+demos", mode, rec.Samples), Recursion: rec, Demos: demos})
	}
	return out, nil
}

// loadEvalPool fills the evaluation's demonstration pool afresh: from the
// dataset's training split, or from a file.
func (a *app) loadEvalPool(ctx context.Context, f *evalFlags, ds *eval.Dataset) error {
	var demos []reader.Demo
	if f.demos == corpus.SplitTrain {
		if ds.Split == corpus.SplitTrain || ds.Split == "all" {
			return fmt.Errorf("--demos train while evaluating the training split would show each question its own answer")
		}
		spec := f.spec
		spec.Split = corpus.SplitTrain
		train, err := eval.LoadDataset(ctx, spec)
		if err != nil {
			return fmt.Errorf("demos: %w", err)
		}
		if demos, err = train.Demos(ctx); err != nil {
			return err
		}
	} else {
		fh, err := os.Open(f.demos)
		if err != nil {
			return err
		}
		defer fh.Close()
		if demos, err = reader.ReadDemos(fh, f.demos); err != nil {
			return err
		}
	}
	if err := a.store.Drop(evalPool, nil); err != nil && !errors.Is(err, index.ErrNoCollection) {
		return err
	}
	return reader.WritePool(ctx, a.store, evalPool, demos)
}

func newBar(n int, desc string, quiet bool) *progressbar.ProgressBar {
	return progressbar.NewOptions(n, progressbar.OptionSetDescription(desc), progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionShowCount(), progressbar.OptionSetVisibility(!quiet), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

// dropForRebuild deletes a collection whose corpus changed, its vectors
// too when it has them: a class kept from the old corpus would hold
// vectors of another model, possibly of another dimension. With the vector
// server unavailable, the Bleve part goes alone and reconciliation later
// removes the old vectors.
func (a *app) dropForRebuild(ctx context.Context) func(string) error {
	return func(name string) error {
		if a.synced != nil {
			err := a.synced.Drop(ctx, name)
			if !errors.Is(err, index.ErrVectorsUnavailable) {
				return err
			}
		}
		return a.store.Drop(name, nil)
	}
}

// index makes sure the collection holds the corpus, with a progress bar.
func (a *app) index(ctx context.Context, col string, srcs []index.Source, quiet bool) (eval.IngestFigure, bool, error) {
	in := *a.ingester
	bar := progressbar.NewOptions64(index.TotalSize(srcs), progressbar.OptionSetDescription("index "+col),
		progressbar.OptionSetWriter(os.Stderr), progressbar.OptionShowBytes(true), progressbar.OptionSetVisibility(!quiet),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	in.Progress = func(b int64, _ int) { _ = bar.Set64(b) }
	start := time.Now()
	// A fresh index gets its vectors while Bleve takes the rest of the
	// corpus (see index.Follower); a cached one is only checked.
	var fol *index.Follower
	fig, cached, err := eval.EnsureIndexed(ctx, a.store, col, srcs, &in, func(c *index.Collection) index.Writer {
		if a.synced == nil {
			return c
		}
		fol = a.synced.Follow(ctx, c, fitOnFirst)
		return fol.Writer()
	}, a.dropForRebuild(ctx))
	_ = bar.Finish()
	if a.synced == nil {
		return fig, cached, err
	}
	vbar := newBar(fig.Passages, "vectors "+col, quiet)
	progress := func(done, total int) { vbar.ChangeMax(total); _ = vbar.Set(done) }
	var rep index.ReconcileReport
	if fol != nil {
		fol.SetProgress(progress)
		var ferr error
		rep, ferr = fol.Finish(ctx)
		if err == nil {
			err = ferr
		}
	} else if err == nil {
		var c *index.Collection
		if c, err = a.store.Collection(col, false); err == nil {
			rep, err = a.synced.Reconcile(ctx, c, progress)
		}
	}
	_ = vbar.Finish()
	if err != nil {
		return fig, cached, fmt.Errorf("vector index of %s: %w", col, err)
	}
	if !cached && rep.Added == fig.Passages {
		secs := time.Since(start).Seconds()
		fig.Target, fig.Seconds, fig.PassagesPerS = "bleve+weaviate", secs, float64(fig.Passages)/secs
		size, _ := a.store.SizeOnDisk(col)
		fig.IndexMB = float64(size) / (1 << 20)
	}
	return fig, cached, nil
}

// fitOnFirst is the number of passages of a bulk ingest the built-in
// embedder is fitted on before the rest arrive: its fitting sample size.
const fitOnFirst = 20_000

// rerankedName is the ranker name of retriever n followed by the
// re-ranker: "rerank" over BM25, "hybrid+rerank" over hybrid.
func rerankedName(n string) string {
	if n == "bm25" {
		return "rerank"
	}
	return n + "+rerank"
}

// rankerWith is ranker, followed by rr for the names rerankedName gives.
func (a *app) rankerWith(name, col string, rr *rerank.Reranker) (eval.Ranker, error) {
	base := strings.TrimSuffix(name, "+rerank")
	if name == "rerank" {
		base = "bm25"
	}
	if base == name || rr == nil {
		return a.ranker(name, col)
	}
	first, err := a.ranker(base, col)
	if err != nil {
		return nil, err
	}
	c, err := a.store.Collection(col, false)
	if err != nil {
		return nil, err
	}
	return timedRerank(first, func(ctx context.Context, q string, cands []retriever.Candidate) ([]retriever.Candidate, error) {
		return rr.Rerank(ctx, col, c, q, cands)
	}), nil
}

// timedRerank is first followed by rerank, which is timed as a stage.
func timedRerank(first eval.Ranker, rerank func(ctx context.Context, q string, cands []retriever.Candidate) ([]retriever.Candidate, error)) eval.Ranker {
	return func(ctx context.Context, q string) ([]retriever.Candidate, map[string]float64, error) {
		cands, st, err := first(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		t := time.Now()
		out, err := rerank(ctx, q, cands)
		st["rerank"] = float64(time.Since(t).Microseconds()) / 1000
		st["search"] = st["retrieve"] + st["rerank"]
		return out, st, err
	}
}

// givenRanker is BM25 followed by rr as POST /v1/rerank uses it: the
// candidates sent as texts in no collection, their words weighed by
// their own statistics.
func (a *app) givenRanker(col string, rr *rerank.Reranker) (eval.Ranker, error) {
	first, err := a.ranker("bm25", col)
	if err != nil {
		return nil, err
	}
	return timedRerank(first, func(ctx context.Context, q string, cands []retriever.Candidate) ([]retriever.Candidate, error) {
		ps := make([]corpus.Passage, len(cands))
		for i, c := range cands {
			ps[i] = c.Passage
		}
		out, err := rr.RerankGiven(ctx, nil, q, ps)
		for i := range out {
			// Back to the passages' own IDs, which judgments name.
			k, _ := strconv.Atoi(out[i].Passage.ID)
			out[i].Passage = ps[k]
		}
		return out, err
	}), nil
}

// ranker turns a retrieval mode into an eval.Ranker over collection col.
func (a *app) ranker(name, col string) (eval.Ranker, error) {
	if _, ok := a.reader.Retrievers[name]; !ok {
		return nil, fmt.Errorf("unknown retriever %q (available: %s)", name, strings.Join(a.reader.Modes(), ", "))
	}
	return func(ctx context.Context, q string) ([]retriever.Candidate, map[string]float64, error) {
		t := time.Now()
		rt, err := a.reader.Retrieve(ctx, reader.Request{Question: q, Collection: col, Retrieval: name, K: 100, Rerank: &off})
		if err == nil && len(rt.Degraded) > 0 {
			err = fmt.Errorf("retriever %s degraded (%v): the measurement would be of BM25", name, rt.Degraded)
		}
		return rt.Candidates, map[string]float64{"retrieve": float64(time.Since(t).Microseconds()) / 1000}, err
	}, nil
}

// writeRun writes one run's per-question file into dir.
func writeRun(dir, name string, write func(io.Writer) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fh, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := write(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// fileSlug makes a ranker name a file name: "rerank, whole passages"
// becomes "rerank-whole-passages".
func fileSlug(name string) string {
	return strings.Join(strings.FieldsFunc(name, func(r rune) bool {
		return !(r == '+' || r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}), "-")
}

func writeReport(dir string, rep *eval.Report, base string) error {
	rep.Compare()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	full, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "result.json"), full, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, base+".md"), []byte(rep.Markdown()), 0o644); err != nil {
		return err
	}
	page, err := rep.HTML()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, base+".html"), []byte(page), 0o644)
}

// off turns the configured re-ranker off where a run measures retrieval
// alone or applies its own.
var off = false

// comparesWeaviateKeywords says whether names hold one of Weaviate's own
// keyword retrievers, whose collections need its keyword index.
func comparesWeaviateKeywords(names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, "weaviate-") {
			return true
		}
	}
	return false
}

// openMeasuring opens the pipeline for a measurement: the configured
// re-ranker stays out, since each run names the model it measures.
func (c *config) openMeasuring(dir string) (*app, error) {
	cc := *c
	cc.RerankerPath, cc.CrossURL = "none", ""
	return cc.openAt(dir)
}
