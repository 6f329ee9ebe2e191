package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/shoulders-qa/shoulders/retriever"
)

// cvBudgets are the contexts a cross-validation packs: those the frozen
// reader's targets are set at.
var cvBudgets = []int{256, 512}

// foldRecall measures packing in a cross-validation: how often the
// context packed from a held-out question's candidates holds an answer,
// with the candidates re-ranked by the fold's model, and in first-stage
// order for reference. It uses shoulders eval's packing and judgement,
// so that packing can be tuned on training questions alone.
type foldRecall struct {
	examples  []rerank.Example
	questions []corpus.Question // aligned with examples; Subset is the group
	stats     func(collection string) (rerank.Stats, error)
	lex       *rerank.Lexicon
	tokens    reader.TokenCounter
	policy    reader.Policy
	// hits[order][group][b] counts questions whose context within
	// cvBudgets[b] holds an answer; n[group] counts questions.
	hits map[string]map[string][]float64
	n    map[string]int
}

func newFoldRecall(a *app, tokens reader.TokenCounter, examples []rerank.Example, questions []corpus.Question, groups []string, lex *rerank.Lexicon) *foldRecall {
	qs := make([]corpus.Question, len(questions))
	for i, q := range questions {
		q.Subset = groups[i]
		qs[i] = q
	}
	store := a.store
	return &foldRecall{examples: examples, questions: qs, lex: lex, tokens: tokens, policy: a.reader.Config.Policy,
		stats: func(name string) (rerank.Stats, error) { return store.Collection(name, false) },
		hits:  map[string]map[string][]float64{}, n: map[string]int{}}
}

// measure packs the held-out questions of one fold both ways.
func (f *foldRecall) measure(ctx context.Context, m *rerank.Model, test []int) error {
	rr := &rerank.Reranker{Model: m, Lexicon: f.lex}
	orders := map[string]func(e rerank.Example) ([]retriever.Candidate, error){
		"rerank": func(e rerank.Example) ([]retriever.Candidate, error) {
			st, err := f.stats(e.Collection)
			if err != nil {
				return nil, err
			}
			return rr.Rerank(ctx, e.Collection, st, e.Question, e.Candidates)
		},
		"first": func(e rerank.Example) ([]retriever.Candidate, error) { return e.Candidates, nil },
	}
	// A Ranker is given a question's text alone: questions asked twice
	// (in two collections, say) go in separate passes.
	var passes [][]int
	times := map[string]int{}
	for _, i := range test {
		k := times[f.questions[i].Text]
		times[f.questions[i].Text]++
		if k == len(passes) {
			passes = append(passes, nil)
		}
		passes[k] = append(passes[k], i)
	}
	for _, name := range slices.Sorted(maps.Keys(orders)) {
		order := orders[name]
		for _, pass := range passes {
			qs := make([]corpus.Question, len(pass))
			byText := make(map[string]rerank.Example, len(pass))
			for k, i := range pass {
				qs[k] = f.questions[i]
				byText[f.questions[i].Text] = f.examples[i]
			}
			run := eval.QARun{Tokens: f.tokens, Budgets: cvBudgets, Policy: f.policy,
				Rank: func(_ context.Context, text string) ([]retriever.Candidate, map[string]float64, error) {
					c, err := order(byText[text])
					return c, nil, err
				}}
			res, err := run.Run(ctx, qs)
			if err != nil {
				return err
			}
			f.add(name, res)

		}
	}
	return nil
}

// add counts one run's questions in.
func (f *foldRecall) add(order string, res *eval.QAResult) {
	by := f.hits[order]
	if by == nil {
		by = map[string][]float64{}
		f.hits[order] = by
	}
	for g, m := range res.Subsets {
		if by[g] == nil {
			by[g] = make([]float64, len(cvBudgets))
		}
		for b, budget := range cvBudgets {
			by[g][b] += m.Recall[budget] / 100 * float64(m.N)
		}
		if order == "rerank" {
			f.n[g] += m.N
		}
	}
}

// recall is the percentage of group's questions whose context within
// cvBudgets[b] held an answer, in the given order.
func (f *foldRecall) recall(order, group string, b int) float64 {
	if f.n[group] == 0 {
		return 0
	}
	return 100 * f.hits[order][group][b] / float64(f.n[group])
}

// header and row extend the cross-validation table.
func (f *foldRecall) header(w io.Writer) {
	for _, b := range cvBudgets {
		fmt.Fprintf(w, "\tin %d tok %%", b)
	}
	for _, b := range cvBudgets {
		fmt.Fprintf(w, "\tfirst-stage order, %d tok %%", b)
	}
}

func (f *foldRecall) row(w io.Writer, group string) {
	for _, order := range []string{"rerank", "first"} {
		for b := range cvBudgets {
			fmt.Fprintf(w, "\t%.2f", f.recall(order, group, b))
		}
	}
}
