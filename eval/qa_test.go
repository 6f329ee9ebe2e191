package eval

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
	"github.com/shoulders-qa/shoulders/retriever"
)

func cands(texts ...string) []retriever.Candidate {
	var out []retriever.Candidate
	for i, t := range texts {
		out = append(out, retriever.Candidate{Passage: corpus.Passage{ID: string(rune('a' + i)), Title: "T", Text: t}, Rank: i + 1})
	}
	return out
}

// A run with an LM reports EM and F1 of its answers and its token use;
// without one it says that EM needs an LM.
func TestQARunWithAndWithoutLM(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	lm, _ := openai.New(openai.Config{URL: srv.URL, Model: "m", Timeout: 5 * time.Second})
	lists := map[string][]retriever.Candidate{
		// The test LM answers with the first passage's first sentence.
		"q1": cands("Paris. It is in France.", "London is big."),
		"q2": cands("Berlin is a city.", "Rome."),
		"q3": cands("Nothing here.", "Madrid."),
	}
	rank := func(_ context.Context, q string) ([]retriever.Candidate, map[string]float64, error) {
		return lists[q], nil, nil
	}
	qs := []corpus.Question{
		{ID: "1", Text: "q1", Answers: []string{"Paris"}, Subset: "a"},
		{ID: "2", Text: "q2", Answers: []string{"Berlin"}, Subset: "a"},
		{ID: "3", Text: "q3", Answers: []string{"Madrid"}, Subset: "b"},
	}
	run := QARun{Dataset: "toy", Split: "dev", Ranker: "fixed", Rank: rank, Tokens: reader.Estimate{},
		Budgets: []int{20, 1000}, LM: lm, LMBudget: 1000, Workers: 2}
	res, err := run.Run(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	all := res.Subsets["all"]
	// q1: "Paris." exact; q2: "Berlin is a city." F1 0.5; q3: wrong.
	if *all.EM != 100.0/3 || all.TopK[1] != 200.0/3 || all.TopK[5] != 100 {
		t.Fatalf("all: EM %v top-1 %v top-5 %v", *all.EM, all.TopK[1], all.TopK[5])
	}
	if f1 := *all.F1; f1 < 49.9 || f1 > 50.1 { // (100 + 50 + 0) / 3
		t.Fatalf("F1 %v, want 50", f1)
	}
	if res.Subsets["b"].Recall[1000] != 100 || res.LMTokens["prompt"] == 0 || res.Latency["lm"].N != 3 {
		t.Fatalf("subset b %+v, tokens %v, latency %v", res.Subsets["b"], res.LMTokens, res.Latency)
	}
	run.LM = nil
	res, _ = run.Run(context.Background(), qs)
	if res.Subsets["all"].EM != nil || res.Note == "" {
		t.Fatal("without an LM there must be no EM and a note saying why")
	}
	// Instead, the evidence answers: the first sentence of each list's
	// first passage, as no sentence holds a question term, with the next
	// when it is short ("Paris. It is in France.", "Berlin is a city.",
	// "Nothing here.").
	all, b := res.Subsets["all"], res.Subsets["b"]
	if all.Evidence == nil || *all.Evidence != 200.0/3 || *b.Evidence != 0 || *all.EvidenceWords != 11.0/3 {
		t.Fatalf("evidence: all %v (%v words), b %v", *all.Evidence, *all.EvidenceWords, *b.Evidence)
	}
	if md := (&Report{QA: []*QAResult{res}}).Markdown(); !strings.Contains(md, "| toy | dev | a | fixed | 2 | 100.0 | 4.5 |") {
		t.Fatalf("markdown:\n%s", md)
	}
}

// Readers are compared on the same candidates: the plain reader, a vote
// over samples and worked examples, each with its EM, tokens and calls.
func TestQARunComparesReaders(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	lm, _ := openai.New(openai.Config{URL: srv.URL, Model: "m", Timeout: 5 * time.Second})
	// Plain readings answer with the first sentence of passage 1 (wrong
	// for q2); samples vote 2 to 1 for the right answer.
	srv.SetResponder(func(p string, i int) string {
		if strings.Contains(p, "Question: q2") && i > 0 {
			return "Rome [2]"
		}
		return openaitest.Answer(p)
	})
	lists := map[string][]retriever.Candidate{
		"q1": cands("Paris. It is in France.", "London is big."),
		"q2": cands("Berlin is a city.", "Rome."),
	}
	rank := func(_ context.Context, q string) ([]retriever.Candidate, map[string]float64, error) {
		return lists[q], nil, nil
	}
	qs := []corpus.Question{{ID: "1", Text: "q1", Answers: []string{"Paris"}}, {ID: "2", Text: "q2", Answers: []string{"Rome"}}}
	store, err := index.OpenStore(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := reader.WritePool(context.Background(), store, "pool", []reader.Demo{{ID: "d", Question: "q1 capital", Answers: []string{"Paris"}}}); err != nil {
		t.Fatal(err)
	}
	run := QARun{Dataset: "toy", Split: "dev", Ranker: "fixed", Rank: rank, Tokens: reader.Estimate{}, Budgets: []int{1000},
		LM: lm, LMBudget: 1000, Workers: 1, Demos: reader.Pools{Store: store},
		Readers: []ReaderVariant{PlainReader,
			{Name: "vote", Recursion: reader.Recursion{Mode: reader.RecursionVote, Samples: 3}},
			{Name: "demos", Recursion: reader.Recursion{Mode: reader.RecursionOff}, Demos: reader.Demos{Pool: "pool", K: 1}}}}
	res, err := run.Run(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Readers) != 3 {
		t.Fatalf("readers %+v", res.Readers)
	}
	plain, vote, demos := res.Readers[0], res.Readers[1], res.Readers[2]
	if plain.Subsets["all"].EM != 50 || *res.Subsets["all"].EM != 50 || vote.Subsets["all"].EM != 100 {
		t.Fatalf("EM plain %v, vote %v", plain.Subsets["all"].EM, vote.Subsets["all"].EM)
	}
	if plain.Calls != 1 || vote.Calls != 1 || vote.CompletionTokens <= plain.CompletionTokens || vote.Latency.N != 2 {
		t.Fatalf("costs: plain %+v, vote %+v", plain, vote)
	}
	if demos.DemoTokens == 0 || demos.PromptTokens <= plain.PromptTokens {
		t.Fatalf("demos must add their tokens: plain %+v, demos %+v", plain, demos)
	}
	rep := Report{QA: []*QAResult{res}}
	if md := rep.Markdown(); !strings.Contains(md, "| toy | dev | fixed | vote | all | 2 | 100.0 |") {
		t.Fatalf("markdown:\n%s", md)
	}
	if rep.Flatten()["toy.dev.fixed.reader.vote.em"] != 100 {
		t.Fatalf("flatten %v", rep.Flatten())
	}
}
