package corpus

import (
	"context"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDPRQuestionSets(t *testing.T) {
	for file, want := range map[string]int{"nq.test": 3610, "trivia.test": 11313, "squad.test": 10570, "wq.test": 2032, "curated.test": 694} {
		f, err := os.Open(filepath.Join(testenv.SharedData(t), "dpr-questions", file+".txt.gz"))
		if err != nil {
			t.Fatal(err)
		}
		var qs []Question
		st, err := QuestionFile(context.Background(), f, file, file, file == "curated.test", func(q Question) error { qs = append(qs, q); return nil })
		f.Close()
		if err != nil || st.Skipped != 0 || len(qs) != want {
			t.Fatalf("%s: %d questions, %d skipped (%v), err %v; want %d", file, len(qs), st.Skipped, st.Problems, err, want)
		}
		if qs[0].Text == "" || len(qs[0].Answers) == 0 {
			t.Fatalf("%s: first question %+v", file, qs[0])
		}
		if file == "nq.test" && (qs[0].Text != "who got the first nobel prize in physics" || qs[0].Answers[0] != "Wilhelm Conrad Röntgen") {
			t.Fatalf("nq.test first question %+v", qs[0])
		}
	}
}

func TestParsePyList(t *testing.T) {
	got, err := ParsePyList(`['May 18 , 2018', "Ocean's Eleven", 'it\'s', '']`)
	if err != nil || len(got) != 4 || got[1] != "Ocean's Eleven" || got[2] != "it's" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{`'a'`, `['a`, `[a]`} {
		if _, err := ParsePyList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSciFactQueriesAndQrels(t *testing.T) {
	dir := filepath.Join(testenv.SharedData(t), "scifact")
	f, _ := os.Open(filepath.Join(dir, "queries.test.tsv.gz"))
	qs, st, err := BEIRQueries(context.Background(), f, "queries")
	f.Close()
	if err != nil || st.Skipped != 0 || len(qs) != 300 {
		t.Fatalf("%d queries, %v", len(qs), err)
	}
	f, _ = os.Open(filepath.Join(dir, "qrels.test.txt"))
	qr, st, err := Qrels(context.Background(), f, "qrels")
	f.Close()
	if err != nil || st.Skipped != 0 || len(qr) != 300 || qr["1"]["31715818"] != 1 {
		t.Fatalf("%d judged queries, %v", len(qr), err)
	}
}

func TestQuestionFileRelevantIDs(t *testing.T) {
	in := `{"question": "How do I configure the LM?", "passage_ids": ["docs/configuration.md#0", " "], "doc_ids": ["README.md"]}
{"question": "What is packing?", "answers": ["a knapsack"], "passage_ids": ["docs/how-it-works.md#3"]}
{"question": "Labelled with nothing"}
{"question": "", "doc_ids": ["README.md"]}
`
	var qs []Question
	st, err := QuestionFile(context.Background(), strings.NewReader(in), "mine.jsonl", "mine", false, func(q Question) error { qs = append(qs, q); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || st.Skipped != 2 {
		t.Fatalf("%d questions, %d skipped (%v); want 2 and 2", len(qs), st.Skipped, st.Problems)
	}
	if got := qs[0].RelevantIDs; len(got) != 2 || got[0] != "docs/configuration.md#0" || got[1] != "README.md" || len(qs[0].Answers) != 0 {
		t.Errorf("first question %+v", qs[0])
	}
	if len(qs[1].Answers) != 1 || len(qs[1].RelevantIDs) != 1 {
		t.Errorf("second question %+v", qs[1])
	}
	if p := st.Problems[0].String(); !strings.Contains(p, "mine.jsonl:3") || !strings.Contains(p, "passage_ids") {
		t.Errorf("problem %q should name the line and what is missing", p)
	}
}
