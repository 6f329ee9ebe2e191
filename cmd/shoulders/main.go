// Command shoulders is the Shoulders question-answering service: it
// ingests documents, serves the API and UI, and answers questions from
// the command line.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/shoulders-qa/shoulders/corpus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	corpus.PDFText = isolatedPDF
	if err := rootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shoulders:", err)
		os.Exit(1)
	}
}
