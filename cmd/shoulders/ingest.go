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
be limited to them (ask --metadata).

A running server keeps its data folder to itself. Given --server, or
when a server holds --data-dir, the files are read here and their
documents sent to that server's API, in requests within its limit, with
a key in SHOULDERS_API_KEY when keys are required; the server cuts them
into passages and embeds them as it does its own uploads. Documents get
the same IDs either way.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			var f corpus.Format
			if format != "" {
				var err error
				if f, err = corpus.ParseFormat(format); err != nil {
					return err
				}
			}
			if err := corpus.ValidateCollection(cfg.Collection); err != nil {
				return err
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
			bar := progressbar.NewOptions64(index.TotalSize(srcs),
				progressbar.OptionSetDescription("ingest "+cfg.Collection),
				progressbar.OptionSetWriter(os.Stderr),
				progressbar.OptionShowBytes(true),
				progressbar.OptionSetVisibility(!quiet),
				progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionClearOnFinish())
			in := index.Ingester{Metadata: tags}
			in.Progress = func(bytes int64, passages int) {
				bar.Describe(fmt.Sprintf("ingest %s: %d passages", cfg.Collection, passages))
				_ = bar.Set64(bytes)
			}
			printProblems(problems, len(problems))
			if cfg.Server != "" {
				base := cfg.serverURL()
				if err := answers(base); err != nil {
					return fmt.Errorf("the server at %s does not answer (%v): start it, or leave --server (SHOULDERS_URL) unset to ingest into %s", base, err, cfg.DataDir)
				}
				return ingestThrough(cmd, cfg, base, in, srcs, bar)
			}
			// A server holding the data folder stores the documents itself.
			if url, served := servedBy(cfg.DataDir); served {
				if url == "" || answers(url) != nil {
					return fmt.Errorf("%w (%s), and it does not answer yet: try again once it does", errServed, cfg.DataDir)
				}
				fmt.Fprintf(os.Stderr, "%s is held by the server at %s: sending the documents to it\n", cfg.DataDir, url)
				return ingestThrough(cmd, cfg, url, in, srcs, bar)
			}
			a, err := cfg.open()
			if err != nil {
				return err
			}
			defer a.Close()
			col, err := a.store.Collection(cfg.Collection, true)
			if err != nil {
				return lockedHint(err, cfg)
			}
			local := *a.ingester
			local.Metadata, local.Progress = in.Metadata, in.Progress
			return ingestHere(cmd, cfg, a, col, local, srcs, bar)
		},
	}
	cmd.Flags().StringArrayVar(&meta, "metadata", nil, "key=value given to every document read (repeat for more keys)")
	cmd.Flags().StringVarP(&format, "format", "f", "", "input format (default: from each file name)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return cmd
}

// ingestHere writes into a collection of a data folder this process holds.
func ingestHere(cmd *cobra.Command, cfg *config, a *app, col *index.Collection, in index.Ingester, srcs []index.Source, bar *progressbar.ProgressBar) error {
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
	printProblems(rep.Problems, rep.Skipped)
	fmt.Printf("ingested %d documents, %d passages into %q in %s (%.0f passages/s); %d records skipped\n",
		rep.Documents, rep.Passages, cfg.Collection, rep.Elapsed.Round(time.Millisecond), rep.PassagesPerSecond(), rep.Skipped)
	return ingestOutcome(err, rep.Documents, rep.Passages)
}

// ingestThrough sends the documents to the server at base, which keeps
// its vectors in step itself.
func ingestThrough(cmd *cobra.Command, cfg *config, base string, in index.Ingester, srcs []index.Source, bar *progressbar.ProgressBar) error {
	for _, f := range []string{"chunk-words", "chunk-overlap"} {
		if cmd.Flags().Changed(f) {
			fmt.Fprintf(os.Stderr, "--%s is not used: the server cuts passages by its own setting\n", f)
		}
	}
	r := remoteIngest{base: base, collection: cfg.Collection, ingester: in, progress: in.Progress}
	rep, err := r.run(cmd.Context(), srcs)
	_ = bar.Finish()
	printProblems(rep.Problems, rep.Skipped)
	fmt.Printf("ingested %d documents, %d passages into %q through the server at %s in %s (%.0f passages/s); %d records skipped\n",
		rep.Documents, rep.Passages, cfg.Collection, base, rep.Elapsed.Round(time.Millisecond), rep.PassagesPerSecond(), rep.Skipped)
	return ingestOutcome(err, rep.Documents, rep.Passages)
}

// printProblems lists what was skipped, of skipped in all.
func printProblems(ps []corpus.Problem, skipped int) {
	for _, p := range ps {
		fmt.Fprintln(os.Stderr, "skipped:", p)
	}
	if skipped > len(ps) {
		fmt.Fprintf(os.Stderr, "... and %d more\n", skipped-len(ps))
	}
}

// ingestOutcome is the command's error: what stopped it, or that nothing
// was stored.
func ingestOutcome(err error, documents, passages int) error {
	if err != nil {
		return fmt.Errorf("ingest stopped: %w (the %d passages above are stored)", err, passages)
	}
	if documents == 0 {
		return fmt.Errorf("nothing was ingested")
	}
	return nil
}
