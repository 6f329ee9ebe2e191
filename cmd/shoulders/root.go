package main

import (
	"github.com/spf13/cobra"
)

func rootCmd() *cobra.Command {
	cfg := &config{}
	root := &cobra.Command{
		Use:   "shoulders",
		Short: "Question answering with a frozen LM over your documents",
		Long: `Shoulders retrieves candidate passages (BM25, vectors or both), re-ranks
them with a model it trains itself, packs the best into a frozen language
model's context budget and answers with citations. Without an LM configured
it answers with extracted evidence.

Every flag has an environment variable, shown in its help.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cfg.bind(root)
	root.AddCommand(serveCmd(cfg), ingestCmd(cfg), askCmd(cfg), searchCmd(cfg), evalCmd(cfg), benchCmd(cfg), benchScaleCmd(cfg), trainCmd(cfg), demosCmd(cfg), feedbackCmd(cfg), backupCmd(cfg), collectionsCmd(cfg), documentsCmd(cfg), reindexCmd(cfg), keysCmd(cfg), loadCmd(cfg), testLMCmd(), pdfTextCmd())
	return root
}
