package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/spf13/cobra"
)

// References are the published figures shown beside ours.
var references = []eval.Reference{
	{Key: "scifact.test.bm25.ndcg@10", Value: 0.665, Source: "BEIR paper (Thakur et al., 2021), Elasticsearch BM25", Reproducible: true},
	{Key: "scifact.test.bm25.ndcg@10", Value: 0.679, Source: "Anserini/Pyserini Lucene BM25, flat index", Reproducible: true},
	{Key: "dpr.nq.test.bm25.top20", Value: 59.1, Source: "DPR paper (Karpukhin et al., 2020), BM25 over Wikipedia"},
	{Key: "dpr.nq.test.bm25.top100", Value: 73.7, Source: "DPR paper, BM25 over Wikipedia"},
	{Key: "dpr.nq.test.dpr.top20", Value: 78.4, Source: "DPR paper, dense retriever over Wikipedia"},
	{Key: "dpr.nq.test.dpr.top100", Value: 85.4, Source: "DPR paper, dense retriever over Wikipedia"},
}

func benchCmd(cfg *config) *cobra.Command {
	var shared, out string
	var scales []int
	var rankers []string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run the standard benchmark suite and refresh BENCHMARKS.md",
		Long: `Run the standard suite: QA-mix dev and BEIR SciFact from the shared
data, and the docs questions (asked of the project's docs/, what make run
serves; run from the repository root), each with every ranker; ingest
throughput, search latency, and synthetic corpora of each --scale size.
Writes BENCHMARKS.md beside --out, and in --out results.json (one flat
object of every figure), report.json and report.html.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), cfg, shared, out, scales, rankers)
		},
	}
	cmd.Flags().StringVar(&shared, "shared", env("SHOULDERS_SHARED_DATA", "../shared/data"), "shared benchmark data folder")
	cmd.Flags().StringVar(&out, "out", "bench", "output folder")
	cmd.Flags().IntSliceVar(&scales, "scale", []int{100_000, 1_000_000}, "synthetic corpus sizes, passages")
	cmd.Flags().StringSliceVar(&rankers, "rankers", []string{"bm25", "weaviate-bm25", "dense", "hybrid", "rerank", "hybrid+rerank", "rerank-neural"},
		"rankers to measure: retrieval modes, rerank (BM25 then the shipped model), hybrid+rerank, rerank-neural (BM25 then the model with kernel pooling)")
	return cmd
}

func runBench(ctx context.Context, cfg *config, shared, out string, scales []int, rankers []string) error {
	start := time.Now()
	tmp, err := os.MkdirTemp("", "shoulders-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cfg.WeaviateKeywords = cfg.WeaviateKeywords || comparesWeaviateKeywords(rankers)
	a, err := cfg.openMeasuring(tmp)
	if err != nil {
		return err
	}
	defer a.Close()
	rerankers := map[string]*rerank.Reranker{}
	for name, path := range map[string]string{"rerank": rerank.DefaultModelPath, "rerank-neural": neuralModelPath} {
		m, err := rerank.Load(path)
		if err == nil {
			var r *rerank.Reranker
			if r, err = rerank.New(m); err != nil {
				return err // figures without the model's lexicon would mislead
			}
			rerankers[name] = r
		} else {
			fmt.Fprintf(os.Stderr, "skipping %s: %v\n", name, err)
		}
	}
	var usable []string
	for _, rk := range rankers {
		base := strings.TrimSuffix(strings.TrimSuffix(rk, "+rerank"), "-neural")
		if base == "rerank" {
			base = "bm25"
		}
		if _, ok := a.reader.Retrievers[base]; !ok {
			fmt.Fprintf(os.Stderr, "skipping %s: retriever %s is not available (is Weaviate built?)\n", rk, base)
			continue
		}
		if strings.Contains(rk, "rerank") && rerankers[rerankerOf(rk)] == nil {
			continue
		}
		usable = append(usable, rk)
	}
	rankers = usable
	rep := &eval.Report{Title: "Shoulders benchmarks", Date: time.Now().UTC(), Machine: eval.ThisMachine(),
		Command: "make bench   # shoulders bench " + strings.Join(os.Args[2:], " "), References: references, Ablation: ablation}

	docsN := 0
	for _, name := range []string{"qamix", "scifact", "docs"} {
		ds, err := eval.LoadDataset(ctx, eval.DatasetSpec{Name: name, Shared: shared})
		if err != nil {
			return err
		}
		if name == "docs" {
			docsN = len(ds.Questions)
		}
		fmt.Fprintf(os.Stderr, "== %s\n", name)
		fig, _, err := a.index(ctx, name, ds.Corpus, false)
		if err != nil {
			return err
		}
		fig.Corpus = name
		rep.Ingest = append(rep.Ingest, fig)
		for _, rk := range withGiven(rankers) {
			var rank eval.Ranker
			if rk == givenRow {
				rank, err = a.givenRanker(name, rerankers["rerank"])
			} else {
				rank, err = a.rankerWith(strings.TrimSuffix(rk, "-neural"), name, rerankers[rerankerOf(rk)])
			}
			if err != nil {
				return err
			}
			// One worker: latencies are of a query alone on the machine.
			if ds.IsBEIR() {
				bar := newBar(len(ds.Qrels), name+" "+rk, false)
				res, err := eval.BEIRRun{Dataset: name, Split: ds.Split, Ranker: rk, Rank: rank, Workers: 1,
					Progress: func(int) { _ = bar.Add(1) }}.Run(ctx, ds.Queries, ds.Qrels)
				_ = bar.Finish()
				if err != nil {
					return err
				}
				rep.BEIR = append(rep.BEIR, res)
				rep.Latency = append(rep.Latency, eval.LatencyFigure{Corpus: name, Ranker: rk, LatencySummary: searchLatency(res.Latency)})
				continue
			}
			bar := newBar(len(ds.Questions), name+" "+rk, false)
			res, err := eval.QARun{Dataset: name, Split: ds.Split, Ranker: rk, Rank: rank, Tokens: evalTokens(cfg),
				Policy: a.reader.Config.Policy, LMBudget: eval.DefaultLMBudget, Workers: 1, Progress: func(int) { _ = bar.Add(1) }}.Run(ctx, ds.Questions)
			_ = bar.Finish()
			if err != nil {
				return err
			}
			rep.QA = append(rep.QA, res)
			rep.Latency = append(rep.Latency, eval.LatencyFigure{Corpus: name, Ranker: rk, LatencySummary: searchLatency(res.Latency)})
			if rk == "rerank" && a.reader.Config.Policy == reader.PolicyExcerpt {
				// The same ranking packed as in the paper, whole passages
				// only: what the excerpts add.
				ex := rk + ", whole passages"
				bar := newBar(len(ds.Questions), name+" "+ex, false)
				res, err := eval.QARun{Dataset: name, Split: ds.Split, Ranker: ex, Rank: rank, Tokens: evalTokens(cfg),
					Policy: reader.PolicyStop, LMBudget: eval.DefaultLMBudget, Workers: 1, Progress: func(int) { _ = bar.Add(1) }}.Run(ctx, ds.Questions)
				_ = bar.Finish()
				if err != nil {
					return err
				}
				rep.QA = append(rep.QA, res)
			}
		}
	}

	// The scale runs start their own Weaviate: stop this one, so that its
	// background compaction does not take their cores.
	vectorsOn := a.synced != nil
	a.Close()
	for _, n := range scales {
		fmt.Fprintf(os.Stderr, "== synthetic corpus of %d passages\n", n)
		// Vectors for a million passages would take the bench past its
		// half hour: the largest corpus is measured with BM25 alone.
		vectors := vectorsOn && n <= 100_000
		res, err := runScale(ctx, n, filepath.Join(tmp, "scale-"+strconv.Itoa(n)), vectors)
		if err != nil {
			return err
		}
		rep.Ingest = append(rep.Ingest, res.Ingest)
		rep.Latency = append(rep.Latency, res.Latency...)
	}
	rep.Notes = append(rep.Notes,
		fmt.Sprintf("The whole suite took %.1f minutes. Accuracies are percentages; nDCG@10, recall@100 and MRR@10 are fractions. QA-mix is defined in the shared data README; its dev split is never used for tuning.", time.Since(start).Minutes()),
		"Weaviate's own BM25 (weaviate-bm25) scores depend on the state of its inverted index, which is measured here right after ingest: they change from run to run, and the same index measured again after a restart scores higher (SciFact nDCG@10 0.64 in one such check). Bleve's BM25 gives the same figure every time.",
		"Rows that use vectors (dense, hybrid, hybrid+rerank) move by a tenth of a point or two between runs: Weaviate's HNSW search is approximate, and its graph depends on the order in which the vector batches, written in parallel, arrive.",
		"Ingest into bleve+weaviate means Bleve's BM25 index and Weaviate's vectors (built-in LSA embedder, fitted during the ingest). The QA-mix and SciFact collections here also get Weaviate's own keyword index, because weaviate-bm25 is compared on them; the synthetic corpora do not, as by default (SHOULDERS_WEAVIATE_KEYWORDS): that index costs about a third of ingest time. Small corpora pay the LSA fit over most of their passages. Timings on this 2-core machine vary by 10 to 20% from run to run.",
		fmt.Sprintf("The docs questions (%s) are %d questions a user of Shoulders asks, each with the answer string its docs/ give, asked of those docs as make run indexes them: a check of what the demo serves, written by the project rather than drawn from a benchmark, and small: one question is two points. The re-ranker never trained on them.", eval.DocsQuestions, docsN),
		"The synthetic corpora (synth100k, synth1m) are generated deterministically: Zipf-distributed words over a 50,000-word vocabulary, passages of 60 to 140 words; their queries are 3 to 8 words drawn from the same distribution. Peak RSS is that of the process that indexed and searched the corpus.")
	if err := writeReport(out, rep, "report"); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(out, "result.json"), filepath.Join(out, "report.json")); err != nil {
		return err
	}
	flat, err := json.MarshalIndent(sortedMap(rep.Flatten()), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "results.json"), append(flat, '\n'), 0o644); err != nil {
		return err
	}
	md := rep.Markdown() + "The same figures as one flat JSON object: [bench/results.json](bench/results.json); with plots: bench/report.html.\n"
	if old, err := os.ReadFile("BENCHMARKS.md"); err == nil {
		md += keptBlocks(string(old)) // sections other commands maintain (make load)
	}
	if err := os.WriteFile("BENCHMARKS.md", []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote BENCHMARKS.md and %s/ in %s\n", out, time.Since(start).Round(time.Second))
	return nil
}

// sortedMap keeps results.json diffs readable: keys in order.
type sortedMap map[string]float64

func (m sortedMap) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(m[k])
		b.Write(kb)
		b.WriteString(":")
		b.Write(vb)
	}
	b.WriteString("}")
	return []byte(b.String()), nil
}

type scaleResult struct {
	Ingest  eval.IngestFigure    `json:"ingest"`
	Latency []eval.LatencyFigure `json:"latency"`
}

// neuralModelPath is the re-ranker with kernel pooling, kept for the
// ablation (make train writes it beside the shipped model).
const neuralModelPath = "models/reranker-neural.json"

// givenRow measures the shipped model as POST /v1/rerank uses it: BM25's
// candidates sent as texts, weighed by their own word statistics.
const givenRow = "rerank, given passages"

// ablation orders the suite's rankers to add one part of the re-ranker
// at a time, for BENCHMARKS.md's ablation table.
var ablation = []eval.AblationStep{
	{Ranker: "bm25", Label: "BM25 order"},
	{Ranker: "hybrid", Label: "hybrid order (BM25 and dense, fused)"},
	{Ranker: "rerank", Label: "re-ranked, features only (the shipped model)"},
	{Ranker: "rerank-neural", Label: "re-ranked, features and kernel pooling (the full model)"},
	{Ranker: "hybrid+rerank", Label: "hybrid candidates re-ranked, features only"},
	{Ranker: "rerank, whole passages", Label: "re-ranked, features only, whole passages packed"},
}

// withGiven adds givenRow after "rerank", when it is measured.
func withGiven(rankers []string) []string {
	var out []string
	for _, rk := range rankers {
		out = append(out, rk)
		if rk == "rerank" {
			out = append(out, givenRow)
		}
	}
	return out
}

func rerankerOf(rk string) string {
	if strings.HasSuffix(rk, "-neural") {
		return "rerank-neural"
	}
	return "rerank"
}

// searchLatency is the latency of a ranker's whole search: retrieval and,
// when there is one, re-ranking.
func searchLatency(l map[string]eval.LatencySummary) eval.LatencySummary {
	if s, ok := l["search"]; ok {
		return s
	}
	return l["retrieve"]
}

func scaleName(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("synth%dm", n/1_000_000)
	}
	if n%1000 == 0 {
		return fmt.Sprintf("synth%dk", n/1000)
	}
	return fmt.Sprintf("synth%d", n)
}

// runScale measures one synthetic corpus in a child process, so that its
// peak memory is its own.
func runScale(ctx context.Context, n int, dir string, vectors bool) (*scaleResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"bench-scale", "--passages", strconv.Itoa(n), "--dir", dir}
	if !vectors {
		args = append([]string{"--weaviate", "off"}, args...)
	}
	c := exec.CommandContext(ctx, self, args...)
	c.Stderr = os.Stderr
	outp, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("scale %d: %w", n, err)
	}
	var r scaleResult
	return &r, json.Unmarshal(outp, &r)
}

func benchScaleCmd(cfg *config) *cobra.Command {
	var n, queries int
	var dir string
	cmd := &cobra.Command{
		Use:    "bench-scale",
		Short:  "Index and search one synthetic corpus; print its figures as JSON",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			file := filepath.Join(dir, "corpus.jsonl")
			fh, err := os.Create(file)
			if err != nil {
				return err
			}
			w := bufio.NewWriterSize(fh, 1<<20)
			gen := &eval.Synthetic{Seed: 42}
			if err := gen.WriteBEIR(w, n); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fh.Close()
			a, err := cfg.openMeasuring(filepath.Join(dir, "index"))
			if err != nil {
				return err
			}
			defer a.Close()
			srcs, _, err := index.FileSources([]string{file}, corpus.BEIR)
			if err != nil {
				return err
			}
			name := scaleName(n)
			fig, _, err := a.index(ctx, name, srcs, false)
			if err != nil {
				return err
			}
			fig.Corpus = name
			res := scaleResult{Ingest: fig}
			modes := []string{"bm25"}
			if a.synced != nil {
				modes = append(modes, "dense", "hybrid")
			}
			for _, mode := range modes {
				rank, err := a.ranker(mode, name)
				if err != nil {
					return err
				}
				qgen := &eval.Synthetic{Seed: 7}
				var lat []float64
				for i := 0; i < queries; i++ {
					_, st, err := rank(ctx, qgen.Query())
					if err != nil {
						return err
					}
					if i >= 20 { // the first queries warm caches
						lat = append(lat, st["retrieve"])
					}
				}
				res.Latency = append(res.Latency, eval.LatencyFigure{Corpus: name, Ranker: mode, LatencySummary: eval.Summarize(lat)})
			}
			res.Ingest.PeakRSSMB = peakRSSMB()
			return json.NewEncoder(os.Stdout).Encode(res)
		},
	}
	cmd.Flags().IntVar(&n, "passages", 100_000, "passages to generate")
	cmd.Flags().IntVar(&queries, "queries", 1020, "queries to time")
	cmd.Flags().StringVar(&dir, "dir", "", "working folder")
	_ = cmd.MarkFlagRequired("dir")
	return cmd
}

// peakRSSMB reads the process's peak resident memory (VmHWM).
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
