package reader_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/retriever"
)

// qamixFixture indexes QA-mix passages and fills a demonstration pool with
// its training questions, as `shoulders demos load --dataset qamix` does.
func qamixFixture(t *testing.T) (*index.Store, *eval.Dataset) {
	t.Helper()
	ctx := context.Background()
	shared := testenv.SharedData(t)
	train, err := eval.LoadDataset(ctx, eval.DatasetSpec{Name: "qamix", Split: corpus.SplitTrain, Shared: shared})
	if err != nil {
		t.Fatal(err)
	}
	demos, err := train.Demos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	withPassage := 0
	for _, d := range demos {
		if d.Passage != "" {
			withPassage++
		}
	}
	if len(demos) != len(train.Questions) || withPassage < len(demos)*9/10 {
		t.Fatalf("%d demos for %d questions, %d with their gold passage", len(demos), len(train.Questions), withPassage)
	}
	store, err := index.OpenStore(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := reader.WritePool(ctx, store, "qamix-train", demos); err != nil {
		t.Fatal(err)
	}
	dev, err := eval.LoadDataset(ctx, eval.DatasetSpec{Name: "qamix", Split: "dev", Shared: shared})
	if err != nil {
		t.Fatal(err)
	}
	col, err := store.Collection("qamix", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&index.Ingester{}).Ingest(ctx, col, dev.Corpus); err != nil {
		t.Fatal(err)
	}
	return store, dev
}

func TestDemosShareTheBudget(t *testing.T) {
	store, dev := qamixFixture(t)
	srv, lm := testLM(t)
	tc := reader.NewTokenCounter("", "cl100k_base")
	r := &reader.Reader{
		Retrievers:       map[string]retriever.Retriever{"bm25": retriever.BM25{Store: store}},
		DefaultRetrieval: "bm25", LM: lm, Demos: reader.Pools{Store: store}, Tokens: tc,
		Config: reader.Config{ContextTokens: 2048, AnswerReserve: 128},
	}
	ctx := context.Background()
	large, withDemos := 0, 0
	for i, q := range dev.Questions[:40] {
		budget := []int{0, 300, 700, 1500}[i%4]
		share := []float64{0, 0.5, 0.9}[i%3]
		rec := reader.Recursion{Mode: []reader.RecursionMode{reader.RecursionOff, reader.RecursionTextual}[i%2], Samples: 4}
		a, err := r.Ask(ctx, reader.Request{Question: q.Text, Collection: "qamix", Budget: budget, Recursion: rec,
			Demos: reader.Demos{Pool: "qamix-train", K: 6, Share: share}})
		if err != nil {
			t.Fatal(err)
		}
		passages := 0
		for _, p := range a.Packed {
			passages += p.Tokens
		}
		demoTokens := 0
		for _, d := range a.Demos {
			demoTokens += d.Tokens
			if !strings.Contains(srv.LastPrompt(), d.Question) {
				t.Fatalf("demo %q not in the prompt", d.Question)
			}
		}
		if share == 0 {
			share = reader.DefaultDemoShare
		}
		if a.Tokens.Used > a.Tokens.Budget || passages+demoTokens != a.Tokens.Used || demoTokens != a.Tokens.Demos ||
			float64(demoTokens) > share*float64(a.Tokens.Budget) || (budget > 0 && a.Tokens.Budget > budget) {
			t.Fatalf("question %d: budget %d, used %d, passages %d, demos %d (share %.2f)", i, a.Tokens.Budget, a.Tokens.Used, passages, demoTokens, share)
		}
		// The prompt as sent, demos and candidates included, fits the context.
		prompt := 0
		for _, m := range promptOf(r, a, q.Text, rec) {
			prompt += tc.Count(m.Content) + 4
		}
		if prompt > 2048-128 {
			t.Fatalf("question %d: prompt of %d tokens in a %d-token context with %d reserved", i, prompt, 2048, 128)
		}
		if budget >= 700 || budget == 0 {
			large++
			if len(a.Demos) > 0 {
				withDemos++
			}
		}
	}
	// A question whose words no training question shares gets no demo.
	if withDemos < large*3/4 {
		t.Fatalf("only %d of %d questions with room for demos got one", withDemos, large)
	}
}

// promptOf rebuilds the largest prompt an answer was read with: the
// second pass, with every sample a distinct candidate clipped to size.
func promptOf(r *reader.Reader, a *reader.Answer, q string, rec reader.Recursion) []reader.Message {
	if rec.Mode != reader.RecursionTextual {
		return reader.BuildDemoPrompt(q, a.Packed, a.Demos).Messages
	}
	long := strings.Repeat("an answer that runs on and on ", 40)
	var cands []reader.CandidateAnswer
	for i := 0; i < rec.Samples; i++ {
		cands = append(cands, reader.CandidateAnswer{Text: long, Count: 1})
	}
	return reader.BuildFinalPrompt(q, a.Packed, a.Demos, cands, rec.Samples, r.Tokens).Messages
}

func TestDemosAreSimilarQuestions(t *testing.T) {
	store, _ := qamixFixture(t)
	pools := reader.Pools{Store: store}
	ctx := context.Background()
	got, err := pools.Demos(ctx, "qamix-train", "Which team did the Denver Broncos defeat in Super Bowl 50?", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || !strings.Contains(got[0].Question, "Super Bowl") || len(got[0].Answers) == 0 {
		t.Fatalf("demos %+v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Score > got[i-1].Score {
			t.Fatal("demos must come best first")
		}
	}
	if _, err := pools.Demos(ctx, "qamix", "q", 3); !errors.Is(err, reader.ErrNoPool) {
		t.Fatalf("a passage collection is no pool: %v", err)
	}
	if _, err := pools.Demos(ctx, "nowhere", "q", 3); !errors.Is(err, reader.ErrNoPool) {
		t.Fatalf("missing pool: %v", err)
	}
	if err := reader.WritePool(ctx, store, "qamix", got); err == nil {
		t.Fatal("demos must not be mixed into a passage collection")
	}
}

func TestReadDemos(t *testing.T) {
	in := `{"question": "Who wrote Hamlet?", "answer": "Shakespeare"}

{"id": "x", "question": "Capital of France?", "answers": ["Paris"], "title": "France", "passage": "Paris is the capital of France."}
`
	got, err := reader.ReadDemos(strings.NewReader(in), "demos.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "1" || got[0].Answers[0] != "Shakespeare" || got[1].Passage == "" || got[1].ID != "x" {
		t.Fatalf("demos %+v", got)
	}
	for _, bad := range []string{
		`{"question": "q"}`,
		`{"answers": ["a"]}`,
		`{"question": "q", "answers": ["a"], "colour": "red"}`,
		`{"question": "q", "answers": ["a"]` + "\n" + `not json`,
	} {
		_, err := reader.ReadDemos(strings.NewReader(bad), "d.jsonl")
		if err == nil || !strings.Contains(err.Error(), "d.jsonl:") {
			t.Errorf("%q: error %v, want one naming the line", bad, err)
		}
	}
}

func FuzzReadDemos(f *testing.F) {
	f.Add(`{"question": "Who wrote Hamlet?", "answer": "Shakespeare"}`)
	f.Add(`{"id": "x", "question": "q", "answers": ["a", "b"], "title": "T", "passage": "P", "context": "C"}` + "\n\n{")
	f.Fuzz(func(t *testing.T, in string) {
		demos, err := reader.ReadDemos(strings.NewReader(in), "f.jsonl")
		if err != nil {
			return
		}
		for _, d := range demos {
			if strings.TrimSpace(d.Question) == "" || len(d.Answers) == 0 || corpus.ValidateDocID(d.ID) != nil {
				t.Fatalf("accepted a demo that cannot be stored: %+v", d)
			}
		}
	})
}
