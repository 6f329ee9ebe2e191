package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/spf13/cobra"
)

func trainCmd(cfg *config) *cobra.Command {
	var (
		spec      eval.DatasetSpec
		with      eval.DatasetSpec // your questions, added to the dataset's
		retr, out string
		neural    bool
		epochs    int
		members   int
		seed      uint64
		folds     int
		quiet     bool
	)
	cmd := &cobra.Command{
		Use:   "train-reranker",
		Short: "Train the re-ranker by distant supervision on a QA dataset",
		Long: `Train the re-ranker. For each training question, 100 candidates are
retrieved; those containing a normalized gold answer are its positives
(distant supervision). Training is listwise with Adam and early stopping on
a held-out tenth of the training questions; a seed gives the same model
file bit for bit.

The default data is the QA-mix train split (SQuAD dev articles with an even
index, NQ oracle questions whose line number is not a multiple of 5); its
dev split is never read. Your own data: --dataset questions --questions
FILE.jsonl with --corpus files. Each line is a question with its answers,
{"question": "...", "answers": ["..."]}, or with the passages or documents
that answer it, {"question": "...", "passage_ids": ["guide.md#2"]} or
"doc_ids" (ids as ingested); relevance judgments in BEIR form work too
(--dataset beir --corpus --queries --qrels). --with-questions and
--with-corpus add your questions to a dataset's instead of replacing it:
the model learns from both together, so a few hundred labelled questions,
or exported feedback, add to what QA-mix teaches rather than replace it.

--folds N cross-validates instead of writing a model: the training
questions are dealt into N folds, each is ranked by a model trained on
the others, and top-1, MRR and answer recall within 256 and 512 packed
tokens (re-ranked and in first-stage order) are printed per subset. It
measures a change of features, settings or packing on training data
alone, so the dev split stays unread. Only questions with a relevant
candidate count, so its figures run above those of shoulders eval over
every question.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if spec.Split == "" {
				spec.Split = corpus.SplitTrain
			}
			if folds < 0 || folds == 1 {
				return fmt.Errorf("--folds %d: cross-validation needs at least 2 folds (0 trains and writes a model)", folds)
			}
			if spec.Split == corpus.SplitDev {
				return fmt.Errorf("the dev split is for measuring, never for training")
			}
			if spec.Name == "scifact" {
				return fmt.Errorf("SciFact's judgments are its test split, for measuring only; train on your own (--dataset beir --corpus --queries --qrels)")
			}
			ds, err := eval.LoadDataset(ctx, spec)
			if err != nil {
				return err
			}
			if ds.IsBEIR() {
				ds.Questions = judgedQuestions(ds)
				if len(ds.Questions) == 0 {
					return fmt.Errorf("%s: no query has a relevant document (grade above 0) and a text", spec.Qrels)
				}
			}
			a, err := cfg.openMeasuring(filepath.Join(cfg.DataDir, "eval"))
			if err != nil {
				return err
			}
			defer a.Close()
			col := "eval-" + ds.Name
			if _, _, err := a.index(ctx, col, ds.Corpus, quiet); err != nil {
				return err
			}
			lex, err := rerank.WordNet()
			if err != nil {
				return fmt.Errorf("training needs WordNet for its synonym features: %w", err)
			}
			start := time.Now()
			examples, err := a.examples(ctx, col, retr, ds.Questions, quiet)
			if err != nil {
				return err
			}
			groups := make([]string, len(examples))
			for i, q := range ds.Questions {
				groups[i] = cmp.Or(q.Subset, ds.Name)
			}
			questions := slices.Clip(ds.Questions) // aligned with examples
			var wds *eval.Dataset
			if with.Questions != "" {
				// Your questions over your corpus, in a collection of their
				// own, learned from together with the dataset's.
				with.Name = "questions"
				if wds, err = eval.LoadDataset(ctx, with); err != nil {
					return err
				}
				if _, _, err := a.index(ctx, "eval-with", wds.Corpus, quiet); err != nil {
					return err
				}
				more, err := a.examples(ctx, "eval-with", retr, wds.Questions, quiet)
				if err != nil {
					return err
				}
				examples = append(examples, more...)
				questions = append(questions, wds.Questions...)
				for range more {
					groups = append(groups, "your questions")
				}
			}
			data := fmt.Sprintf("%s %s split", ds.Name, ds.Split)
			src := spec.Questions
			if ds.IsBEIR() {
				src = spec.Qrels
			}
			if src != "" {
				data = fmt.Sprintf("%s, %d questions from %s", ds.Name, len(ds.Questions), filepath.Base(src))
			}
			if wds != nil {
				data += fmt.Sprintf(" + %d questions from %s", len(wds.Questions), filepath.Base(with.Questions))
			}
			// A question without a relevant candidate teaches nothing:
			// leave it out before analysis, keeping groups aligned.
			asked := len(examples)
			kept, keptGroups, keptQuestions := examples[:0:0], groups[:0:0], questions[:0:0]
			for i, e := range examples {
				if slices.Contains(e.Relevant, true) {
					kept, keptGroups, keptQuestions = append(kept, e), append(keptGroups, groups[i]), append(keptQuestions, questions[i])
				}
			}
			examples, groups, questions = kept, keptGroups, keptQuestions
			bar := newBar(len(examples), "analyze", quiet)
			store := a.store
			lists, err := rerank.BuildLists(ctx, func(name string) (rerank.Stats, error) { return store.Collection(name, false) },
				examples, lex, 1<<15, func(int) { _ = bar.Add(1) })
			_ = bar.Finish()
			if err != nil {
				return err
			}
			pos := 0
			for i := range lists {
				pos += lists[i].Positives()
			}
			fmt.Fprintf(os.Stderr, "%d of %d training questions have a relevant passage among their %s candidates\n", len(lists), asked, retr)
			tbar := newBar(100, "train", quiet)
			stage := "train"
			tcfg := rerank.TrainConfig{Neural: neural, Epochs: epochs, Seed: seed, Members: members,
				Progress: func(epoch, done, total int, loss float64) {
					tbar.Describe(fmt.Sprintf("%s epoch %d loss %.4f", stage, epoch, loss))
					_ = tbar.Set(100 * done / total)
				}}
			if folds > 0 {
				fr := newFoldRecall(a, evalTokens(cfg), examples, questions, groups, lex)
				res, err := rerank.CrossValidate(lists, groups, folds, tcfg, func(fold int) {
					stage = fmt.Sprintf("fold %d/%d", fold+1, folds)
				}, func(m *rerank.Model, test []int) error {
					tbar.Describe(stage + ": packing the held-out questions")
					return fr.measure(ctx, m, test)
				})
				_ = tbar.Finish()
				if err != nil {
					return err
				}
				printCrossValidation(cmd.OutOrStdout(), res, folds, data, time.Since(start), fr)
				return nil
			}
			m, err := rerank.Train(lists, tcfg)
			_ = tbar.Finish()
			if err != nil {
				return err
			}
			m.Lexicon = rerank.LexiconWordNet
			m.Training.Data = data
			m.Training.Retriever = retr
			m.Training.Candidates = 100
			m.Training.Positives = float64(pos) / float64(len(lists))
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := m.Save(out); err != nil {
				return err
			}
			fmt.Printf("wrote %s: best epoch %d, held-out top-1 %.2f%%, MRR %.4f (%s)\n", out, m.Training.BestEpoch,
				m.Training.Dev["top1"], m.Training.Dev["mrr"], time.Since(start).Round(time.Second))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Name, "dataset", "qamix", "training data: qamix, squad, nq, questions (with --questions and --corpus), or beir (with --corpus, --queries and --qrels)")
	f.StringVar(&spec.Split, "split", "", "split to train on (default train)")
	f.StringVar(&spec.Shared, "shared", env("SHOULDERS_SHARED_DATA", "../shared/data"), "shared benchmark data folder")
	f.StringVar(&spec.Questions, "questions", "", "your questions with answers or relevant passage_ids, JSONL")
	f.StringVar(&spec.Queries, "queries", "", "BEIR queries file (with --dataset beir)")
	f.StringVar(&spec.Qrels, "qrels", "", "BEIR relevance judgments, TREC or BEIR TSV (with --dataset beir)")
	f.StringSliceVar(&spec.Corpus, "corpus", nil, "your corpus files")
	f.StringVar(&with.Questions, "with-questions", "", "your labelled questions (JSONL, as --questions) to learn from together with --dataset's, such as exported feedback")
	f.StringSliceVar(&with.Corpus, "with-corpus", nil, "the corpus files of --with-questions")
	f.StringVar(&retr, "retriever", "bm25", "retriever of the training candidates")
	f.StringVar(&out, "out", rerank.DefaultModelPath, "model file to write")
	f.BoolVar(&neural, "neural", false, "also train the kernel-pooling component (measured no better on QA-mix; see BENCHMARKS.md)")
	f.IntVar(&epochs, "epochs", 12, "most epochs")
	f.IntVar(&members, "members", 3, "networks trained with successive seeds and averaged (kernel pooling trains one)")
	f.Uint64Var(&seed, "seed", 1, "seed of initialization, held-out split and order (and of the folds)")
	f.IntVar(&folds, "folds", 0, "cross-validate over this many folds of the training questions and print the results instead of writing a model")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bars")
	return cmd
}

// examples retrieves 100 candidates for each question and marks those
// holding an answer or named as relevant.
func (a *app) examples(ctx context.Context, col, retr string, qs []corpus.Question, quiet bool) ([]rerank.Example, error) {
	out := make([]rerank.Example, len(qs))
	bar := newBar(len(qs), "retrieve", quiet)
	defer bar.Finish()
	var wg sync.WaitGroup
	jobs := make(chan int)
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				q := qs[i]
				rt, err := a.reader.Retrieve(ctx, reader.Request{Question: q.Text, Collection: col, Retrieval: retr, K: 100, Rerank: &off})
				if err == nil && len(rt.Degraded) > 0 {
					err = fmt.Errorf("retriever %s degraded: %v", retr, rt.Degraded)
				}
				if err != nil {
					errs <- err
					return
				}
				judge, err := eval.NewRelevance(q)
				if err != nil {
					errs <- err
					return
				}
				rel := make([]bool, len(rt.Candidates))
				for j, c := range rt.Candidates {
					rel[j] = judge.Passage(c.Passage)
				}
				out[i] = rerank.Example{Question: q.Text, Collection: col, Candidates: rt.Candidates, Relevant: rel}
				if judge.HasAnswers() {
					// Only answer strings tell whether an excerpt kept the answer.
					out[i].Holds = judge.Excerpt
				}
				_ = bar.Add(1)
			}
		}()
	}
	for i := range qs {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return nil, err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return out, nil
}

// judgedQuestions turns a BEIR dataset's judged queries into questions
// whose relevant documents are those graded above 0, in query id order.
func judgedQuestions(ds *eval.Dataset) []corpus.Question {
	ids := make([]string, 0, len(ds.Qrels))
	for id := range ds.Qrels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []corpus.Question
	for _, id := range ids {
		q := corpus.Question{ID: id, Text: ds.Queries[id], Subset: ds.Name}
		for doc, grade := range ds.Qrels[id] {
			if grade > 0 {
				q.RelevantIDs = append(q.RelevantIDs, doc)
			}
		}
		if strings.TrimSpace(q.Text) != "" && len(q.RelevantIDs) > 0 {
			sort.Strings(q.RelevantIDs)
			out = append(out, q)
		}
	}
	return out
}

// printCrossValidation writes a cross-validation's results as a table:
// ranking, then answer recall within each packed budget.
func printCrossValidation(w io.Writer, res []rerank.CVResult, folds int, data string, took time.Duration, fr *foldRecall) {
	fmt.Fprintf(w, "%d-fold cross-validation on %s, questions with a relevant candidate (%s):\n", folds, data, took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "subset\tquestions\ttop-1 %\tMRR")
	fr.header(tw)
	fmt.Fprintln(tw)
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.4f", r.Group, r.Questions, r.Top1, r.MRR)
		fr.row(tw, r.Group)
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
}
