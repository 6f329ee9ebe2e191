package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/spf13/cobra"
)

func demosCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demos",
		Short: "Manage demonstration pools (worked examples chosen per question)",
		Long: `A demonstration pool holds solved questions. A request with
"demos": {"pool": NAME, "k": K} puts the K pool questions most similar to
its own question before it, as worked examples, within the token budget.`,
	}
	var spec eval.DatasetSpec
	load := &cobra.Command{
		Use:   "load POOL [FILE.jsonl]",
		Short: "Add solved questions to a pool, from a JSONL file or a dataset's split",
		Long: `Add solved questions to POOL, creating it. From a JSONL file, one object a
line: {"question": ..., "answers": [...]} (or "answer"), with optional "id",
"title" and "passage" (the gold passage, shown with the example). Or from a
benchmark with --dataset and --split (its training split: never the one you
evaluate on).`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool := args[0]
			if err := corpus.ValidateCollection(pool); err != nil {
				return err
			}
			var demos []reader.Demo
			switch {
			case len(args) == 2 && spec.Name != "":
				return fmt.Errorf("give a file or --dataset, not both")
			case len(args) == 2:
				f, err := os.Open(args[1])
				if err != nil {
					return err
				}
				defer f.Close()
				if demos, err = reader.ReadDemos(f, args[1]); err != nil {
					return err
				}
			case spec.Name != "":
				if spec.Split == "" {
					spec.Split = corpus.SplitTrain
				}
				ds, err := eval.LoadDataset(cmd.Context(), spec)
				if err != nil {
					return err
				}
				if demos, err = ds.Demos(cmd.Context()); err != nil {
					return err
				}
			default:
				return fmt.Errorf("give a JSONL file or --dataset")
			}
			if len(demos) == 0 {
				return fmt.Errorf("no solved questions to load")
			}
			a, err := cfg.withoutVectors().open()
			if err != nil {
				return err
			}
			defer a.Close()
			if err := reader.WritePool(cmd.Context(), a.store, pool, demos); err != nil {
				return err
			}
			fmt.Printf("pool %s: %d solved questions loaded\n", pool, len(demos))
			return nil
		},
	}
	load.Flags().StringVar(&spec.Name, "dataset", "", "load a benchmark's questions: "+strings.Join(eval.DatasetNames, ", "))
	load.Flags().StringVar(&spec.Split, "split", "", "split of --dataset (default train)")
	load.Flags().StringVar(&spec.Shared, "shared", env("SHOULDERS_SHARED_DATA", "../shared/data"), "shared benchmark data folder")
	list := &cobra.Command{
		Use:   "list",
		Short: "List demonstration pools",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := cfg.withoutVectors().open()
			if err != nil {
				return err
			}
			defer a.Close()
			names, err := a.store.Collections()
			if err != nil {
				return err
			}
			for _, n := range names {
				c, err := a.store.Collection(n, false)
				if err != nil || !reader.IsPool(c) {
					continue
				}
				count, _ := c.PassageCount()
				fmt.Printf("%s\t%d\n", n, count)
			}
			return nil
		},
	}
	cmd.AddCommand(load, list)
	return cmd
}

// withoutVectors is the configuration with Weaviate off: pools are
// searched in Bleve alone, so loading one needs no vector server.
func (c *config) withoutVectors() *config {
	cc := *c
	cc.Weaviate = "off"
	return &cc
}
