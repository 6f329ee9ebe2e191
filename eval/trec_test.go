package eval

import (
	"strings"
	"testing"
)

// A run file is read in trec_eval's order, whatever its rank column says,
// and a malformed line is named.
func TestReadTREC(t *testing.T) {
	runs, err := ReadTREC(strings.NewReader("q1 Q0 d1 1 0.5 x\nq1 Q0 d2 2 0.9 x\n\nq1 Q0 d3 3 0.9 x\nq2 Q0 d9 1 1e-3 x\n"), "r.trec")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, d := range runs["q1"] {
		got = append(got, d.ID)
	}
	// Ties fall to the larger document ID, as in trec_eval.
	if strings.Join(got, " ") != "d3 d2 d1" || len(runs["q2"]) != 1 || runs["q2"][0].Score != 0.001 {
		t.Fatalf("runs %v", runs)
	}
	for _, bad := range []string{"q1 Q0 d1 1 0.5\n", "q1 Q0 d1 1 high x\n", ""} {
		if _, err := ReadTREC(strings.NewReader(bad), "r.trec"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := ReadTREC(strings.NewReader("a\nq1 Q0 d1 1 0.5 x\n"), "r.trec"); err == nil || !strings.Contains(err.Error(), "r.trec:1") {
		t.Errorf("the line is not named: %v", err)
	}
}

func TestReadQuestionsRefusesAmbiguousIDs(t *testing.T) {
	_, err := ReadQuestions(strings.NewReader(`{"id":"a","first_hit":1}`+"\n"+`{"id":"a","first_hit":2}`+"\n"), "q.jsonl")
	if err == nil || !strings.Contains(err.Error(), `"a" appears twice`) {
		t.Fatalf("duplicate id: %v", err)
	}
	if _, err := ReadQuestions(strings.NewReader(`{"first_hit":1}`), "q.jsonl"); err == nil {
		t.Fatal("a record without an id was read")
	}
}
