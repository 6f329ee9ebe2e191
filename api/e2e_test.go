package api

import (
	"context"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"math/rand/v2"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/reader"
)

// TestEndToEndQAMix ingests QA-mix, asks 50 dev questions through the API
// in evidence mode, and checks that the packed context holds the answer
// for most of them.
func TestEndToEndQAMix(t *testing.T) {
	ctx := context.Background()
	mix, err := corpus.LoadQAMix(ctx, testenv.SharedData(t))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, nil)
	col, _ := h.store.Collection("qamix", true)
	if err := col.Upsert(ctx, h.srv.Ingester.Entries(mix.Documents)); err != nil {
		t.Fatal(err)
	}
	var dev []corpus.Question
	for _, q := range mix.Questions {
		if q.Split == corpus.SplitDev {
			dev = append(dev, q)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(dev), func(i, j int) { dev[i], dev[j] = dev[j], dev[i] })
	hit, answered := 0, 0
	for _, q := range dev[:50] {
		var a reader.Answer
		if code := h.json("POST", "/v1/ask", AskRequest{Question: q.Text, Collection: "qamix", Budget: 512}, &a); code != 200 {
			t.Fatalf("%q: status %d", q.Text, code)
		}
		if a.Mode != reader.ModeEvidence || a.Tokens.Used > 512 {
			t.Fatalf("%q: mode %s, %d tokens", q.Text, a.Mode, a.Tokens.Used)
		}
		for _, p := range a.Packed {
			if eval.HasAnswer(p.Passage.Text, q.Answers) {
				hit++
				break
			}
		}
		if eval.HasAnswer(a.Answer, q.Answers) {
			answered++
		}
	}
	t.Logf("answer in the packed 512 tokens for %d/50, in the evidence sentence for %d/50", hit, answered)
	if hit < 40 {
		t.Fatalf("answer in the packed context for only %d of 50 questions", hit)
	}
}
