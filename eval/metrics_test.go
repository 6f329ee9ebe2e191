package eval

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestExactMatchAndF1(t *testing.T) {
	golds := []string{"Denver Broncos", "the Broncos"}
	if ExactMatch("The Denver Broncos.", golds) != 1 || ExactMatch("Broncos of Denver", golds) != 0 {
		t.Fatal("exact match")
	}
	// "broncos of denver" vs "denver broncos": 2 shared of 3 and 2 tokens.
	if f := F1("Broncos of Denver", golds); !near(f, 0.8) {
		t.Fatalf("F1 %v, want 0.8", f)
	}
	// Repeated tokens count once per occurrence in the gold answer.
	if f := F1("new new york", []string{"new york"}); !near(f, 0.8) {
		t.Fatalf("F1 with repeats %v, want 0.8", f)
	}
	if F1("", golds) != 0 || F1("cat", golds) != 0 {
		t.Fatal("F1 of empty or disjoint answer must be 0")
	}
}

func TestTopKAndShare(t *testing.T) {
	first := []int{1, 3, 0, 20, 6}
	for k, want := range map[int]float64{1: 20, 5: 40, 10: 60, 20: 80, 100: 80} {
		if got := TopKAccuracy(first, k); !near(got, want) {
			t.Errorf("top-%d = %v, want %v", k, got, want)
		}
	}
	if TopKAccuracy(nil, 5) != 0 || Share(nil) != 0 {
		t.Fatal("empty input must give 0")
	}
	if got := Share([]bool{true, false, true, true}); !near(got, 75) {
		t.Fatalf("share %v", got)
	}
	if FirstHit(3, func(i int) bool { return i == 2 }) != 3 || FirstHit(3, func(int) bool { return false }) != 0 {
		t.Fatal("FirstHit")
	}
}

func TestNDCGRecallMRRByHand(t *testing.T) {
	run := []Scored{{"d1", 3}, {"d2", 2}, {"d3", 1}}
	qrels := Qrels{"d2": 1, "d3": 2, "d9": 1}
	// DCG@3 = 1/log2(3) + 2/log2(4) = 0.63093 + 1; IDCG@3 = 2/1 + 1/log2(3) + 1/2.
	dcg := 1/math.Log2(3) + 2.0/2
	idcg := 2 + 1/math.Log2(3) + 0.5
	if got := NDCG(run, qrels, 3); !near(got, dcg/idcg) {
		t.Fatalf("ndcg@3 = %v, want %v", got, dcg/idcg)
	}
	if got := NDCG(run, qrels, 1); got != 0 {
		t.Fatalf("ndcg@1 = %v, want 0", got)
	}
	if got := Recall(run, qrels, 2); !near(got, 1.0/3) {
		t.Fatalf("recall@2 = %v", got)
	}
	if got := MRR(run, qrels, 10); !near(got, 0.5) {
		t.Fatalf("mrr = %v", got)
	}
	if MRR(run, qrels, 1) != 0 || NDCG(nil, qrels, 10) != 0 || NDCG(run, Qrels{}, 10) != 0 || Recall(run, Qrels{"x": 0}, 10) != 0 {
		t.Fatal("empty or unjudged cases must give 0")
	}
}

func TestTiesFollowTrecEval(t *testing.T) {
	// trec_eval breaks score ties by document ID, descending: "b" before "a".
	run := []Scored{{"a", 1}, {"b", 1}}
	if got := MRR(run, Qrels{"a": 1}, 10); !near(got, 0.5) {
		t.Fatalf("tie: mrr %v, want 0.5 (b ranks first)", got)
	}
	if got := NDCG(run, Qrels{"b": 1}, 1); !near(got, 1) {
		t.Fatalf("tie: ndcg@1 %v, want 1", got)
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	if Percentile(xs, 50) != 5 || Percentile(xs, 95) != 10 || Percentile(xs, 10) != 1 || Percentile(nil, 50) != 0 {
		t.Fatalf("percentiles: %v %v %v", Percentile(xs, 50), Percentile(xs, 95), Percentile(xs, 10))
	}
	if s := Summarize([]float64{7}); s.P50 != 7 || s.P99 != 7 || s.N != 1 {
		t.Fatalf("single value: %+v", s)
	}
}
