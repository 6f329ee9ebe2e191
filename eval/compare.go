package eval

import (
	"fmt"
	"strconv"
	"strings"
)

// A Comparison is one run's paired differences from the baseline run of
// its dataset and split (the first one measured), over the same
// questions, per metric: top-1 and answer recall within 512 tokens in
// percentage points, exact match and F1 with an LM; nDCG@10 and MRR@10
// for BEIR.
type Comparison struct {
	Dataset  string                `json:"dataset"`
	Split    string                `json:"split"`
	Subset   string                `json:"subset"`
	Ranker   string                `json:"ranker"`
	Baseline string                `json:"baseline"`
	Metrics  map[string]Difference `json:"metrics"`
}

// ComparedBudget is the context budget whose answer recall comparisons
// report: the 512 tokens that the re-ranker's targets are set at, a
// small LM's context once its instructions and answer are set aside.
const ComparedBudget = 512

// QA metric names of a Comparison, in table order.
const (
	MetricTop1   = "top-1"
	MetricRecall = "recall@512 tok"
	MetricEM     = "EM"
	MetricF1     = "F1"
	MetricNDCG   = "nDCG@10"
	MetricMRR    = "MRR@10"
)

// Comparisons pairs each run with the first run of the same dataset and
// split that asked the same questions in the same order. Runs without
// per-question results (read back from JSON) are left out.
func (r *Report) Comparisons() []Comparison {
	var out []Comparison
	base := map[string]*QAResult{}
	for _, q := range r.QA {
		key := q.Dataset + "/" + q.Split
		b, ok := base[key]
		if !ok {
			base[key] = q
			continue
		}
		if !sameQuestions(b.Questions, q.Questions) {
			continue
		}
		for _, sub := range q.SubsetNames() {
			x, y := subsetOf(q.Questions, sub), subsetOf(b.Questions, sub)
			c := Comparison{Dataset: q.Dataset, Split: q.Split, Subset: sub, Ranker: q.Ranker, Baseline: b.Ranker, Metrics: map[string]Difference{}}
			c.Metrics[MetricTop1] = Paired(qaValues(x, top1), qaValues(y, top1))
			if _, ok := q.Subsets[sub].Recall[ComparedBudget]; ok {
				c.Metrics[MetricRecall] = Paired(qaValues(x, inBudget), qaValues(y, inBudget))
			}
			if q.Subsets[sub].EM != nil && b.Subsets[sub].EM != nil {
				xs, ys := scoredOnly(x, y)
				c.Metrics[MetricEM] = Paired(qaValues(xs, em), qaValues(ys, em))
				c.Metrics[MetricF1] = Paired(qaValues(xs, f1), qaValues(ys, f1))
			}
			out = append(out, c)
		}
	}
	baseB := map[string]*BEIRResult{}
	for _, q := range r.BEIR {
		key := q.Dataset + "/" + q.Split
		b, ok := baseB[key]
		if !ok {
			baseB[key] = q
			continue
		}
		if len(b.Queries) == 0 || len(b.Queries) != len(q.Queries) {
			continue
		}
		var xn, yn, xm, ym []float64
		for i := range q.Queries {
			if q.Queries[i].ID != b.Queries[i].ID {
				xn = nil
				break
			}
			xn, yn = append(xn, q.Queries[i].NDCG10), append(yn, b.Queries[i].NDCG10)
			xm, ym = append(xm, q.Queries[i].MRR10), append(ym, b.Queries[i].MRR10)
		}
		if xn == nil {
			continue
		}
		out = append(out, Comparison{Dataset: q.Dataset, Split: q.Split, Subset: "all", Ranker: q.Ranker, Baseline: b.Ranker,
			Metrics: map[string]Difference{MetricNDCG: Paired(xn, yn), MetricMRR: Paired(xm, ym)}})
	}
	return out
}

func sameQuestions(a, b []QuestionResult) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}

func subsetOf(qs []QuestionResult, sub string) []QuestionResult {
	if sub == "all" {
		return qs
	}
	var out []QuestionResult
	for _, q := range qs {
		if q.Subset == sub {
			out = append(out, q)
		}
	}
	return out
}

// scoredOnly keeps the pairs whose questions have answer strings, which
// EM and F1 need.
func scoredOnly(x, y []QuestionResult) ([]QuestionResult, []QuestionResult) {
	var xs, ys []QuestionResult
	for i := range x {
		if x[i].EM != nil && y[i].EM != nil {
			xs, ys = append(xs, x[i]), append(ys, y[i])
		}
	}
	return xs, ys
}

func qaValues(qs []QuestionResult, f func(QuestionResult) float64) []float64 {
	out := make([]float64, len(qs))
	for i, q := range qs {
		out[i] = f(q)
	}
	return out
}

func hundred(b bool) float64 {
	if b {
		return 100
	}
	return 0
}

func top1(q QuestionResult) float64     { return hundred(q.FirstHit == 1) }
func inBudget(q QuestionResult) float64 { return hundred(q.InBudget[strconv.Itoa(ComparedBudget)]) }
func em(q QuestionResult) float64       { return 100 * *q.EM }
func f1(q QuestionResult) float64       { return 100 * *q.F1 }

// pairedMarkdown tables the paired differences of question-answering runs.
func (r *Report) pairedMarkdown(b *strings.Builder) {
	var qa []Comparison
	lm := false
	for _, c := range r.Compared {
		if _, ok := c.Metrics[MetricTop1]; ok {
			qa = append(qa, c)
			_, has := c.Metrics[MetricEM]
			lm = lm || has
		}
	}
	if len(qa) == 0 {
		return
	}
	metrics := []string{MetricTop1, MetricRecall}
	if lm {
		metrics = append(metrics, MetricEM, MetricF1)
	}
	b.WriteString("## Paired differences (each ranker against the first of its dataset, on the same questions)\n\n")
	b.WriteString("| dataset | split | subset | ranker | against | n |")
	for _, m := range metrics {
		fmt.Fprintf(b, " %s |", m)
	}
	b.WriteString("\n|---|---|---|---|---|---|" + strings.Repeat("---|", len(metrics)) + "\n")
	for _, c := range qa {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %d |", c.Dataset, c.Split, c.Subset, c.Ranker, c.Baseline, c.Metrics[MetricTop1].N)
		for _, m := range metrics {
			if d, ok := c.Metrics[m]; ok {
				fmt.Fprintf(b, " %s |", formatDiff(d, 1))
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nEach cell: the difference in percentage points, its 95% confidence interval (Student's t over the per-question differences), and the two-sided p-value of a paired randomization test (10,000 random sign flips, seeded).\n\n")
}

// pairedBEIRMarkdown tables the paired differences of BEIR runs.
func (r *Report) pairedBEIRMarkdown(b *strings.Builder) {
	var rows []string
	for _, c := range r.Compared {
		if nd, ok := c.Metrics[MetricNDCG]; ok {
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %d | %s | %s |\n", c.Dataset, c.Split, c.Ranker, c.Baseline, nd.N,
				formatDiff(nd, 3), formatDiff(c.Metrics[MetricMRR], 3)))
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Paired differences, BEIR (each ranker against the first, on the same queries)\n\n")
	fmt.Fprintf(b, "| dataset | split | ranker | against | queries | %s | %s |\n|---|---|---|---|---|---|---|\n", MetricNDCG, MetricMRR)
	b.WriteString(strings.Join(rows, ""))
	b.WriteString("\nDifferences of nDCG@10 and MRR@10 (fractions), with 95% intervals and randomization-test p-values as above.\n\n")
}

// formatDiff writes a Difference as "+4.8 (4.1 to 5.5), p < 0.001".
func formatDiff(d Difference, places int) string {
	p := fmt.Sprintf("p = %.3f", d.P)
	if d.P < 0.001 {
		p = "p < 0.001"
	}
	return fmt.Sprintf("%+.*f (%.*f to %.*f), %s", places, d.Diff, places, d.Lo, places, d.Hi, p)
}
