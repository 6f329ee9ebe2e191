package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/spf13/cobra"
)

func evalCompareCmd() *cobra.Command {
	var qrels string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "compare BASELINE OTHER",
		Short: "Pair two runs' per-question results: differences, intervals, p-values",
		Long: `Compare two runs question by question: two questions-RANKER.jsonl files
that shoulders eval wrote (from different models, settings or releases, on
the same questions), or two TREC run files of a BEIR set with --qrels.

Prints, per subset, OTHER's difference from BASELINE in top-1 and answer
recall within 512 tokens (EM and F1 when both have an LM's answers), or in
nDCG@10 and MRR@10, with a 95% confidence interval and the p-value of a
paired randomization test. Questions are matched by ID; those in one file
only are counted and left out.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := compareFiles(cmd, args[0], args[1], qrels)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), cs)
			}
			var b strings.Builder
			eval.PairedMarkdown(&b, cs)
			_, err = fmt.Fprint(cmd.OutOrStdout(), b.String())
			return err
		},
	}
	cmd.Flags().StringVar(&qrels, "qrels", "", "relevance judgments (TREC or BEIR TSV) for comparing TREC run files")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the comparisons as JSON")
	return cmd
}

func compareFiles(cmd *cobra.Command, basePath, otherPath, qrelsPath string) ([]eval.Comparison, error) {
	head := eval.Comparison{Dataset: "-", Split: "-", Ranker: otherPath, Baseline: basePath}
	isTREC := func(p string) bool { return strings.HasSuffix(strings.TrimSuffix(p, ".gz"), ".trec") }
	trec := isTREC(basePath) || isTREC(otherPath)
	if trec {
		if qrelsPath == "" {
			return nil, fmt.Errorf("TREC runs are scored by relevance judgments: give them with --qrels")
		}
		judged, err := readWith(qrelsPath, func(f io.Reader) (map[string]map[string]int, error) {
			q, _, err := corpus.Qrels(cmd.Context(), f, qrelsPath)
			return q, err
		})
		if err != nil {
			return nil, err
		}
		base, err := readWith(basePath, func(f io.Reader) (map[string][]eval.Scored, error) { return eval.ReadTREC(f, basePath) })
		if err != nil {
			return nil, err
		}
		other, err := readWith(otherPath, func(f io.Reader) (map[string][]eval.Scored, error) { return eval.ReadTREC(f, otherPath) })
		if err != nil {
			return nil, err
		}
		return []eval.Comparison{eval.CompareRuns(head, other, base, judged)}, nil
	}
	base, err := readWith(basePath, func(f io.Reader) ([]eval.QuestionResult, error) { return eval.ReadQuestions(f, basePath) })
	if err != nil {
		return nil, err
	}
	other, err := readWith(otherPath, func(f io.Reader) ([]eval.QuestionResult, error) { return eval.ReadQuestions(f, otherPath) })
	if err != nil {
		return nil, err
	}
	x, y, unmatched := eval.JoinQuestions(base, other)
	if len(x) == 0 {
		return nil, fmt.Errorf("%s and %s share no question ID: they measured different questions", filepath.Base(basePath), filepath.Base(otherPath))
	}
	if unmatched > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%d questions are in one file only; comparing the %d in both\n", unmatched, len(x))
	}
	return eval.CompareQuestions(head, x, y, eval.SubsetsOf(y)), nil
}

// readWith opens path (gzip-compressed or not) and reads it with read.
func readWith[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := corpus.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	return read(f)
}
