// Command shoulders is the Shoulders question-answering service: it
// ingests documents, serves the API and UI, and answers questions from
// the command line.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "shoulders:", err)
		os.Exit(1)
	}
}
