package eval

import (
	"fmt"
	"sort"
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

// Metric names of a Comparison, in table order.
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
		head := Comparison{Dataset: q.Dataset, Split: q.Split, Ranker: q.Ranker, Baseline: b.Ranker}
		out = append(out, CompareQuestions(head, q.Questions, b.Questions, q.SubsetNames())...)
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

// CompareQuestions pairs the outcomes x with the baseline's y, question
// by question (the same questions in the same order), for each subset
// ("all" is every question): top-1, recall within ComparedBudget tokens
// when both measured it, and EM and F1 over the questions both scored.
// head names the comparison.
func CompareQuestions(head Comparison, x, y []QuestionResult, subsets []string) []Comparison {
	var out []Comparison
	budget := strconv.Itoa(ComparedBudget)
	for _, sub := range subsets {
		xs, ys := subsetOf(x, sub), subsetOf(y, sub)
		if len(xs) == 0 {
			continue
		}
		c := head
		c.Subset, c.Metrics = sub, map[string]Difference{MetricTop1: Paired(qaValues(xs, top1), qaValues(ys, top1))}
		_, hx := xs[0].InBudget[budget]
		_, hy := ys[0].InBudget[budget]
		if hx && hy {
			c.Metrics[MetricRecall] = Paired(qaValues(xs, inBudget), qaValues(ys, inBudget))
		}
		if xe, ye := scoredOnly(xs, ys); len(xe) > 0 {
			c.Metrics[MetricEM] = Paired(qaValues(xe, em), qaValues(ye, em))
			c.Metrics[MetricF1] = Paired(qaValues(xe, f1), qaValues(ye, f1))
		}
		out = append(out, c)
	}
	return out
}

// JoinQuestions matches other's outcomes to base's by question ID, in
// base's order, for CompareQuestions; unmatched counts the questions of
// either side that the other lacks.
func JoinQuestions(base, other []QuestionResult) (x, y []QuestionResult, unmatched int) {
	byID := make(map[string]QuestionResult, len(other))
	for _, q := range other {
		byID[q.ID] = q
	}
	for _, q := range base {
		if o, ok := byID[q.ID]; ok {
			x, y = append(x, o), append(y, q)
			delete(byID, q.ID)
		} else {
			unmatched++
		}
	}
	return x, y, unmatched + len(byID)
}

// SubsetsOf lists "all" and, when the questions come from more than one,
// their subsets.
func SubsetsOf(qs []QuestionResult) []string {
	seen := map[string]bool{}
	var subs []string
	for _, q := range qs {
		if q.Subset != "" && !seen[q.Subset] {
			seen[q.Subset] = true
			subs = append(subs, q.Subset)
		}
	}
	sort.Strings(subs)
	if len(subs) < 2 {
		return []string{"all"}
	}
	return append([]string{"all"}, subs...)
}

// CompareRuns pairs two BEIR rankings, each query's documents in order,
// by nDCG@10 and MRR@10 over the judged queries; a query one run lacks
// scores 0 there, as trec_eval counts it with -c.
func CompareRuns(head Comparison, run, base map[string][]Scored, qrels map[string]map[string]int) Comparison {
	ids := make([]string, 0, len(qrels))
	for id := range qrels {
		if len(run[id]) > 0 || len(base[id]) > 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var xn, yn, xm, ym []float64
	for _, id := range ids {
		q := Qrels(qrels[id])
		xn, yn = append(xn, NDCG(run[id], q, 10)), append(yn, NDCG(base[id], q, 10))
		xm, ym = append(xm, MRR(run[id], q, 10)), append(ym, MRR(base[id], q, 10))
	}
	head.Subset = "all"
	head.Metrics = map[string]Difference{MetricNDCG: Paired(xn, yn), MetricMRR: Paired(xm, ym)}
	return head
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

// PairedMarkdown tables paired differences: those of question-answering
// runs, then those of BEIR runs.
func PairedMarkdown(b *strings.Builder, cs []Comparison) {
	pairedQAMarkdown(b, cs, "## Paired differences (on the same questions)")
	pairedBEIRMarkdown(b, cs, "## Paired differences, BEIR (on the same queries)")
}

// The headings of the paired tables in a report.
const (
	reportPairedHeading     = "## Paired differences (each ranker against the first of its dataset, on the same questions)"
	reportPairedBEIRHeading = "## Paired differences, BEIR (each ranker against the first, on the same queries)"
)

// pairedQAMarkdown tables the paired differences of question-answering
// runs.
func pairedQAMarkdown(b *strings.Builder, cs []Comparison, heading string) {
	var qa []Comparison
	lm := false
	for _, c := range cs {
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
	b.WriteString(heading + "\n\n")
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
func pairedBEIRMarkdown(b *strings.Builder, cs []Comparison, heading string) {
	var rows []string
	for _, c := range cs {
		if nd, ok := c.Metrics[MetricNDCG]; ok {
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %d | %s | %s |\n", c.Dataset, c.Split, c.Ranker, c.Baseline, nd.N,
				formatDiff(nd, 3), formatDiff(c.Metrics[MetricMRR], 3)))
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString(heading + "\n\n")
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
