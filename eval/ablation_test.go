package eval

import (
	"strings"
	"testing"
)

func ablationRun(dataset, ranker string, subsets map[string][2]float64) *QAResult {
	q := &QAResult{Dataset: dataset, Split: "dev", Ranker: ranker, Subsets: map[string]*QAMetrics{}}
	for name, v := range subsets {
		q.Subsets[name] = &QAMetrics{N: 10, TopK: map[int]float64{1: v[0]}, Recall: map[int]float64{ComparedBudget: v[1]}}
	}
	return q
}

func TestAblationTable(t *testing.T) {
	r := &Report{
		QA: []*QAResult{
			ablationRun("mix", "rerank", map[string][2]float64{"all": {85, 94}, "a": {86.56, 94.76}, "b": {84.37, 93.6}}),
			ablationRun("mix", "bm25", map[string][2]float64{"all": {81, 89}, "a": {81.79, 89.85}, "b": {78.34, 89.45}}),
			ablationRun("mix", "dense", map[string][2]float64{"all": {40, 60}, "a": {40, 60}, "b": {40, 60}}),
			ablationRun("solo", "rerank", map[string][2]float64{"all": {50, 70}}),
		},
		Ablation: []AblationStep{{"bm25", "BM25 order"}, {"hybrid", "hybrid order"}, {"rerank", "features only"}},
	}
	md := r.Markdown()
	i := strings.Index(md, ablationHeading)
	if i < 0 {
		t.Fatalf("no ablation section:\n%s", md)
	}
	sec := md[i:]
	sec = sec[:strings.Index(sec, "Differences are")]
	// The steps in the ablation's order, whatever the order of the runs;
	// a ranker outside the ablation (dense) or not run (hybrid) has no
	// row; differences are from the first step, of unrounded figures.
	want := "mix, dev:\n\n| order | a top-1 | b top-1 | a recall@512 tok | b recall@512 tok |\n|---|---|---|---|---|\n" +
		"| BM25 order | 81.8 | 78.3 | 89.8 | 89.5 |\n" +
		"| features only | 86.6 (+4.8) | 84.4 (+6.0) | 94.8 (+4.9) | 93.6 (+4.1) |\n"
	if !strings.Contains(sec, want) {
		t.Fatalf("ablation table:\n%s\nwant:\n%s", sec, want)
	}
	// A dataset with one step of the ablation compares nothing.
	if strings.Contains(sec, "solo") || strings.Contains(sec, "dense") || strings.Contains(sec, "hybrid") {
		t.Fatalf("rows or tables that compare nothing:\n%s", sec)
	}

	// A figure the first step lacks is given without a difference, and
	// its own cell is empty; the columns are the first step's subsets.
	r.QA = append(r.QA,
		ablationRun("part", "bm25", map[string][2]float64{"all": {70, 80}, "a": {70, 80}}),
		ablationRun("part", "rerank", map[string][2]float64{"all": {75, 85}, "a": {75, 85}, "b": {60, 65}}))
	delete(r.QA[len(r.QA)-2].Subsets["a"].Recall, ComparedBudget)
	want = "| order | a top-1 | a recall@512 tok |\n|---|---|---|\n| BM25 order | 70.0 | |\n| features only | 75.0 (+5.0) | 85.0 |\n"
	if md := r.Markdown(); !strings.Contains(md, "part, dev:\n\n"+want) {
		t.Fatalf("missing figures:\n%s\nwant:\n%s", md[strings.Index(md, "part, dev"):], want)
	}

	// Without an ablation, or with one step, there is no section.
	r.Ablation = r.Ablation[:1]
	if strings.Contains(r.Markdown(), ablationHeading) {
		t.Fatal("an ablation of one step has no table")
	}
}
