package main

import (
	"fmt"

	"github.com/shoulders-qa/shoulders/index"
	"github.com/spf13/cobra"
)

func reindexCmd(cfg *config) *cobra.Command {
	var all, quiet bool
	cmd := &cobra.Command{
		Use:   "reindex [COLLECTION...]",
		Short: "Rebuild keyword indexes made by an older release, from what they store",
		Long: `Rebuild the Bleve index of each named collection from the passages and
records it stores, with this release's analyzer and fields; without names,
every collection built by an older release (another analyzer, or no
searchable metadata). Passage IDs, document records and
settings are kept, so vectors and feedback stay valid, and nothing needs
ingesting again. Stop the server first: the index is rebuilt beside the old
one and swapped in, so an interrupted rebuild leaves one or the other whole.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cfg.notServed(cfg.DataDir); err != nil {
				return err
			}
			store, err := index.OpenStore(cfg.DataDir, index.Options{TitleBoost: cfg.TitleBoost})
			if err != nil {
				return err
			}
			defer store.Close()
			names := args
			if len(names) == 0 {
				if names, err = store.Collections(); err != nil {
					return err
				}
			}
			done := 0
			for _, name := range names {
				c, err := store.Collection(name, false)
				if err != nil {
					return err
				}
				if len(args) == 0 && !all && !c.Outdated() {
					continue
				}
				bar := newBar(0, "reindex "+name, quiet)
				err = store.Reindex(cmd.Context(), name, func(n, total int) {
					bar.ChangeMax(total)
					_ = bar.Set(n)
				})
				_ = bar.Finish()
				if err != nil {
					return err
				}
				if c, err = store.Collection(name, false); err != nil {
					return err
				}
				n, _ := c.PassageCount()
				fmt.Fprintf(cmd.OutOrStdout(), "reindexed %s: %d passages, analyzer %s\n", name, n, c.Analyzer())
				done++
			}
			if done == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "every collection is up to date")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "rebuild every collection, even those made by this release")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return cmd
}
