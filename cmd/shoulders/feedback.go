package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/spf13/cobra"
)

func feedbackCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feedback",
		Short: "Turn the UI's feedback into re-ranker training data",
	}
	var file, collection, out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the passages people marked helpful as a labelled questions file",
		Long: `Write the questions of the feedback log (DATA_DIR/feedback.jsonl) with the
passages people marked helpful, one JSON object a line:
{"question": ..., "passage_ids": [...], "collection": ...}. When a passage
was voted on more than once for the same question, the last vote counts;
questions left with no helpful passage are not written. Train on the file
with the corpus those passages were ingested from:

    shoulders feedback export --out labelled.jsonl
    shoulders train-reranker --dataset questions --questions labelled.jsonl --corpus docs/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				file = filepath.Join(cfg.DataDir, "feedback.jsonl")
			}
			f, err := os.Open(file)
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("no feedback log at %s: the server writes one when the first vote arrives (set --data-dir or --file)", file)
			}
			if err != nil {
				return fmt.Errorf("feedback log: %w", err)
			}
			defer f.Close()
			labelled, votes, err := helpfulPassages(f, file, collection)
			if err != nil {
				return err
			}
			w := io.WriteCloser(os.Stdout)
			if out != "" {
				if w, err = os.Create(out); err != nil {
					return err
				}
			}
			bw := bufio.NewWriter(w)
			for _, q := range labelled {
				b, _ := json.Marshal(q)
				bw.Write(append(b, '\n'))
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			if out != "" {
				if err := w.Close(); err != nil {
					return err
				}
			}
			fmt.Fprintf(os.Stderr, "%d questions with a helpful passage, from %d passage votes\n", len(labelled), votes)
			return nil
		},
	}
	export.Flags().StringVar(&file, "file", "", "feedback log (default DATA_DIR/feedback.jsonl)")
	export.Flags().StringVarP(&collection, "collection", "c", "", "only this collection's feedback (default: every collection)")
	export.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	cmd.AddCommand(export)
	return cmd
}

// A labelledQuestion is one line of the exported file, in the questions
// format train-reranker and eval read.
type labelledQuestion struct {
	Question   string   `json:"question"`
	PassageIDs []string `json:"passage_ids"`
	Collection string   `json:"collection"`
}

// helpfulPassages reads a feedback log and gathers, per question and
// collection, the passages whose last vote was helpful, in the order the
// questions were first asked. Lines that are not passage votes are
// skipped; a line that is not JSON is an error naming it, unless it is an
// unfinished last line.
func helpfulPassages(r io.Reader, name, collection string) ([]labelledQuestion, int, error) {
	type key struct{ question, collection string }
	var order []key
	helpful := map[key]map[string]bool{}
	votes := 0
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && rerr != io.EOF {
			return nil, 0, fmt.Errorf("%s: %w", name, rerr)
		}
		if rerr == io.EOF && len(line) == 0 {
			break
		}
		if strings.TrimSpace(string(line)) == "" {
			continue
		}
		var v api.FeedbackRequest
		if err := json.Unmarshal(line, &v); err != nil {
			if rerr == io.EOF {
				// Every record ends with a newline once acknowledged: an
				// unfinished last line is a write the server never confirmed.
				fmt.Fprintf(os.Stderr, "%s:%d: ignoring an unfinished last line\n", name, n)
				break
			}
			return nil, 0, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		q := strings.TrimSpace(v.Question)
		if v.Kind != "passage" || v.PassageID == "" || q == "" || (collection != "" && v.Collection != collection) {
			continue
		}
		votes++
		k := key{q, v.Collection}
		if helpful[k] == nil {
			helpful[k] = map[string]bool{}
			order = append(order, k)
		}
		helpful[k][v.PassageID] = v.Helpful
		if rerr == io.EOF {
			break
		}
	}
	var out []labelledQuestion
	for _, k := range order {
		var ids []string
		for id, ok := range helpful[k] {
			if ok {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			sort.Strings(ids)
			out = append(out, labelledQuestion{Question: k.question, PassageIDs: ids, Collection: k.collection})
		}
	}
	return out, votes, nil
}
