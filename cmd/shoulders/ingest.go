package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/spf13/cobra"
)

func ingestCmd(cfg *config) *cobra.Command {
	var format string
	var quiet bool
	var meta []string
	cmd := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Index files or folders into a collection",
		Long: `Index files or folders (walked recursively) into a collection.

Formats: text, markdown, html, pdf, jsonl ({"id","title","text"}), beir
(corpus.jsonl with "_id"), dpr (psgs_w100.tsv), squad (SQuAD JSON) and nq
(NQ oracle JSONL). Without --format each file's format is told from its
name; .gz files are read transparently. Re-ingesting a document replaces
its passages. Malformed records are reported with file and line and
skipped; the rest is ingested. --metadata key=value tags every document
read (a JSONL record's own value for a key wins), so that questions can
be limited to them (ask --metadata).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			var f corpus.Format
			if format != "" {
				var err error
				if f, err = corpus.ParseFormat(format); err != nil {
					return err
				}
			}
			tags, err := metadataFlags(meta)
			if err != nil {
				return err
			}
			srcs, problems, err := index.FileSources(paths, f)
			if err != nil {
				return err
			}
			if len(srcs) == 0 {
				return fmt.Errorf("no readable files in %v", paths)
			}
			a, err := cfg.open()
			if err != nil {
				return err
			}
			defer a.Close()
			col, err := a.store.Collection(cfg.Collection, true)
			if err != nil {
				return err
			}
			bar := progressbar.NewOptions64(index.TotalSize(srcs),
				progressbar.OptionSetDescription("ingest "+cfg.Collection),
				progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionShowBytes(true),
				progressbar.OptionSetVisibility(!quiet),
				progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionClearOnFinish())
			in := *a.ingester
			in.Metadata = tags
			in.Progress = func(bytes int64, passages int) {
				bar.Describe(fmt.Sprintf("ingest %s: %d passages", cfg.Collection, passages))
				_ = bar.Set64(bytes)
			}
			// With a vector index, vectors are written while Bleve takes the
			// rest of the input (see index.Follower).
			var w index.Writer = col
			var fol *index.Follower
			if a.synced != nil {
				fol = a.synced.Follow(cmd.Context(), col, fitOnFirst)
				w = fol.Writer()
			}
			rep, err := in.Ingest(cmd.Context(), w, srcs)
			if fol != nil {
				// The same bar carries on through the vector index.
				bar.ChangeMax64(int64(rep.Passages))
				bar.Reset()
				bar.Describe("ingest " + cfg.Collection + ": vectors")
				fol.SetProgress(func(done, total int) {
					bar.ChangeMax64(int64(total))
					_ = bar.Set(done)
				})
				if _, verr := fol.Finish(cmd.Context()); verr != nil && err == nil {
					fmt.Fprintf(os.Stderr, "vector index not updated: %v\n(BM25 search has everything; the server reconciles the vector index on start)\n", verr)
				}
			}
			_ = bar.Finish()
			for _, p := range problems {
				fmt.Fprintln(os.Stderr, "skipped:", p)
			}
			for _, p := range rep.Problems {
				fmt.Fprintln(os.Stderr, "skipped:", p)
			}
			if rep.Skipped > len(rep.Problems) {
				fmt.Fprintf(os.Stderr, "... and %d more\n", rep.Skipped-len(rep.Problems))
			}
			fmt.Printf("ingested %d documents, %d passages into %q in %s (%.0f passages/s); %d records skipped\n",
				rep.Documents, rep.Passages, cfg.Collection, rep.Elapsed.Round(time.Millisecond), rep.PassagesPerSecond(), rep.Skipped)
			if err != nil {
				return fmt.Errorf("ingest stopped: %w (the %d passages above are stored)", err, rep.Passages)
			}
			if rep.Documents == 0 {
				return fmt.Errorf("nothing was ingested")
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&meta, "metadata", nil, "key=value given to every document read (repeat for more keys)")
	cmd.Flags().StringVarP(&format, "format", "f", "", "input format (default: from each file name)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return cmd
}
