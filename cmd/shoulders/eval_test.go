package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/internal/testenv"
)

func readReport(t *testing.T, dir string) eval.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep eval.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func readQuestions(t *testing.T, path string) []eval.QuestionResult {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []eval.QuestionResult
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var q eval.QuestionResult
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			t.Fatalf("%s: %v in %q", path, err, line)
		}
		out = append(out, q)
	}
	return out
}

// Each run's per-question file holds what its summary averages, so that
// the figures can be recomputed, joined by question ID and compared
// question by question; the report pairs the re-ranker with BM25.
func TestEvalWritesEachQuestionAndPairsTheRankers(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes NQ's oracle passages and re-ranks")
	}
	data, out := t.TempDir(), t.TempDir()
	if err := run(t, data, "eval", "--dataset", "nq", "--shared", testenv.SharedData(t), "--sample", "150",
		"--reranker", filepath.Join("..", "..", "models", "reranker.json"), "--out", out, "-q"); err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, out)
	if len(rep.QA) != 2 || rep.QA[0].Ranker != "bm25" || rep.QA[1].Ranker != "rerank" {
		t.Fatalf("runs %+v", rep.QA)
	}
	runs := [][]eval.QuestionResult{readQuestions(t, filepath.Join(out, "questions-bm25.jsonl")), readQuestions(t, filepath.Join(out, "questions-rerank.jsonl"))}
	top1 := make([]float64, 2)
	for ri, qs := range runs {
		m := rep.QA[ri].Subsets["all"]
		if len(qs) != 150 || m.N != 150 {
			t.Fatalf("%s: %d questions written, %d measured", rep.QA[ri].Ranker, len(qs), m.N)
		}
		var hits, in512, evidence int
		for i, q := range qs {
			if q.ID != runs[0][i].ID || q.Question == "" || len(q.Answers) == 0 {
				t.Fatalf("question %d: %+v (the runs must list the same questions in the same order)", i, q)
			}
			// Ten IDs, or all the candidates of a question few passages match.
			if len(q.Top) == 0 || len(q.Top) > 10 || q.FirstHit < 0 || q.FirstHit > 100 || len(q.InBudget) != len(eval.Budgets) || q.EvidenceHit == nil {
				t.Fatalf("question %s: %+v", q.ID, q)
			}
			if q.FirstHit == 1 {
				hits++
			}
			if q.InBudget["512"] {
				in512++
			}
			if *q.EvidenceHit {
				evidence++
			}
			// The packed context at 512 tokens is a prefix of no more
			// passages than at 2048.
			if q.Packed["512"] > q.Packed["2048"] || q.Packed["512"] == 0 {
				t.Fatalf("question %s packed %v", q.ID, q.Packed)
			}
		}
		top1[ri] = 100 * float64(hits) / 150
		if math.Abs(top1[ri]-m.TopK[1]) > 1e-9 || math.Abs(100*float64(in512)/150-m.Recall[512]) > 1e-9 ||
			math.Abs(100*float64(evidence)/150-*m.Evidence) > 1e-9 {
			t.Fatalf("%s: the file gives top-1 %.2f, recall@512 %.2f, evidence %.2f; the summary %.2f, %.2f, %.2f", rep.QA[ri].Ranker,
				top1[ri], 100*float64(in512)/150, 100*float64(evidence)/150, m.TopK[1], m.Recall[512], *m.Evidence)
		}
	}
	if len(rep.Compared) != 1 {
		t.Fatalf("comparisons %+v: want the re-ranker against BM25", rep.Compared)
	}
	c := rep.Compared[0]
	d := c.Metrics[eval.MetricTop1]
	if c.Ranker != "rerank" || c.Baseline != "bm25" || d.N != 150 || math.Abs(d.Diff-(top1[1]-top1[0])) > 1e-9 ||
		!(d.Lo < d.Diff && d.Diff < d.Hi) || d.P <= 0 || d.P > 1 {
		t.Fatalf("comparison %+v, top-1 %+v: want %.2f − %.2f", c, d, top1[1], top1[0])
	}
	if _, ok := c.Metrics[eval.MetricRecall]; !ok {
		t.Fatalf("no recall comparison in %+v", c)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(md), "| nq | dev | all | rerank | bm25 | 150 |") {
		t.Fatalf("report.md lacks the paired row (%v):\n%s", err, md)
	}

	// eval compare pairs the files alone, by question ID, as the report
	// paired the runs.
	bm25, rerank := filepath.Join(out, "questions-bm25.jsonl"), filepath.Join(out, "questions-rerank.jsonl")
	printed, err := output(t, data, "eval", "compare", bm25, rerank, "--json")
	var cs []eval.Comparison
	if err != nil || json.Unmarshal([]byte(printed), &cs) != nil || len(cs) != 1 {
		t.Fatalf("eval compare: %v\n%s", err, printed)
	}
	for m, want := range c.Metrics {
		if got := cs[0].Metrics[m]; got != want {
			t.Fatalf("%s: compare gives %+v, the report %+v", m, got, want)
		}
	}
	// Half the questions, in another order, still pair by ID.
	half := runs[1][:75]
	half[0], half[74] = half[74], half[0]
	var lines []string
	for _, q := range half {
		b, _ := json.Marshal(q)
		lines = append(lines, string(b))
	}
	halfPath := filepath.Join(t.TempDir(), "half.jsonl")
	if err := os.WriteFile(halfPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if printed, err = output(t, data, "eval", "compare", bm25, halfPath, "--json"); err != nil || json.Unmarshal([]byte(printed), &cs) != nil ||
		cs[0].Metrics[eval.MetricTop1].N != 75 {
		t.Fatalf("eval compare of 75 questions: %v\n%s", err, printed)
	}
	other := filepath.Join(t.TempDir(), "other.jsonl")
	if err := os.WriteFile(other, []byte(`{"id": "q-elsewhere", "question": "?", "first_hit": 1, "top": []}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(t, data, "eval", "compare", bm25, other); err == nil || !strings.Contains(err.Error(), "share no question") {
		t.Fatalf("files without a common question: %v", err)
	}
}

// A BEIR run is written as a TREC run file from which trec_eval's
// nDCG@10 comes out as the report's.
func TestEvalWritesTRECRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes SciFact")
	}
	data, out := t.TempDir(), t.TempDir()
	if err := run(t, data, "eval", "--dataset", "scifact", "--shared", testenv.SharedData(t), "--retriever", "bm25",
		"--reranker", filepath.Join("..", "..", "models", "reranker.json"), "--out", out, "-q"); err != nil {
		t.Fatal(err)
	}
	rep := readReport(t, out)
	ds, err := eval.LoadDataset(context.Background(), eval.DatasetSpec{Name: "scifact", Shared: testenv.SharedData(t)})
	if err != nil {
		t.Fatal(err)
	}
	ndcg := map[string]float64{}
	for _, res := range rep.BEIR {
		f, err := os.Open(filepath.Join(out, "run-"+res.Ranker+".trec"))
		if err != nil {
			t.Fatal(err)
		}
		runs := map[string][]eval.Scored{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) != 6 || fs[1] != "Q0" || fs[5] != res.Ranker {
				t.Fatalf("line %q", sc.Text())
			}
			rank, _ := strconv.Atoi(fs[3])
			score, err := strconv.ParseFloat(fs[4], 64)
			prev := runs[fs[0]]
			if err != nil || rank != len(prev)+1 || (len(prev) > 0 && prev[len(prev)-1].Score < score) {
				t.Fatalf("line %q after %d documents: ranks count from 1, scores fall", sc.Text(), len(prev))
			}
			runs[fs[0]] = append(prev, eval.Scored{ID: fs[2], Score: score})
		}
		f.Close()
		if len(runs) != res.N || res.N != 300 {
			t.Fatalf("%s: %d queries in the run file, %d measured", res.Ranker, len(runs), res.N)
		}
		var sum float64
		for qid, r := range runs {
			sum += eval.NDCG(r, eval.Qrels(ds.Qrels[qid]), 10)
		}
		ndcg[res.Ranker] = sum / float64(len(runs))
		if math.Abs(ndcg[res.Ranker]-res.NDCG10) > 1e-9 {
			t.Fatalf("%s: nDCG@10 %.4f from the run file, %.4f reported", res.Ranker, ndcg[res.Ranker], res.NDCG10)
		}
	}
	if len(rep.Compared) != 1 {
		t.Fatalf("comparisons %+v", rep.Compared)
	}
	d := rep.Compared[0].Metrics[eval.MetricNDCG]
	if d.N != 300 || math.Abs(d.Diff-(ndcg["rerank"]-ndcg["bm25"])) > 1e-9 {
		t.Fatalf("paired nDCG@10 %+v, want %.4f − %.4f", d, ndcg["rerank"], ndcg["bm25"])
	}

	// eval compare scores the run files by the judgments given.
	runBM25, runRerank := filepath.Join(out, "run-bm25.trec"), filepath.Join(out, "run-rerank.trec")
	printed, err := output(t, data, "eval", "compare", runBM25, runRerank, "--qrels", filepath.Join(testenv.SharedData(t), "scifact", "qrels.test.txt"), "--json")
	var cs []eval.Comparison
	if err != nil || json.Unmarshal([]byte(printed), &cs) != nil || len(cs) != 1 || cs[0].Metrics[eval.MetricNDCG] != d {
		t.Fatalf("eval compare of the run files: %v\n%s\nwant %+v", err, printed, d)
	}
	if err := run(t, data, "eval", "compare", runBM25, runRerank); err == nil || !strings.Contains(err.Error(), "--qrels") {
		t.Fatalf("run files without judgments: %v", err)
	}
}
