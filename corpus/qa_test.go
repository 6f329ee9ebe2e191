package corpus

import (
	"context"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"testing"
)

func TestLoadQAMix(t *testing.T) {
	m, err := LoadQAMix(context.Background(), testenv.SharedData(t))
	if err != nil {
		t.Fatal(err)
	}
	var squadQ, nqQ, train, dev int
	for _, q := range m.Questions {
		switch q.Subset {
		case "squad":
			squadQ++
		case "nq":
			nqQ++
		}
		if q.Split == SplitTrain {
			train++
		} else {
			dev++
		}
		if len(q.Answers) == 0 || len(q.GoldDocIDs) == 0 {
			t.Fatalf("question %s has no answers or no gold passage", q.ID)
		}
	}
	// Sizes given by the shared data README.
	if squadQ != 10570 || nqQ != 2655 {
		t.Errorf("questions: squad %d (want 10570), nq %d (want 2655)", squadQ, nqQ)
	}
	if n := len(m.Documents); n < 4500 || n > 4800 {
		t.Errorf("documents: %d, want about 4,700", n)
	}
	t.Logf("%d documents, %d train and %d dev questions", len(m.Documents), train, dev)
	ids := map[string]bool{}
	for _, d := range m.Documents {
		if ids[d.ID] {
			t.Fatalf("duplicate document id %s", d.ID)
		}
		ids[d.ID] = true
	}
	for _, q := range m.Questions {
		for _, g := range q.GoldDocIDs {
			if !ids[g] {
				t.Fatalf("question %s: gold document %s not in the corpus", q.ID, g)
			}
		}
	}
}
