package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/spf13/cobra"
)

// PDFs are read in a child process, one per file: a hostile or broken PDF
// can loop the parser forever or exhaust memory, and only a process can
// be stopped. A child gets pdfTimeout and about pdfMemory bytes.
const pdfMemory = 2 << 30

var (
	pdfTimeout = 2 * time.Minute
	// pdfChild is the child's command line; nil runs this binary's
	// pdf-text.
	pdfChild []string
)

// pdfSlots bounds the children reading at once.
var pdfSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

type pdfResult struct {
	Title string `json:"title"`
	Text  string `json:"text"`
	Error string `json:"error,omitempty"`
}

// pdfTextCmd is the child: a PDF on stdin, its title and text as JSON on
// stdout. It is not meant to be run by hand.
func pdfTextCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "pdf-text",
		Short:  "Extract a PDF's text (the child process that reads uploaded PDFs)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			debug.SetMemoryLimit(pdfMemory)
			b, err := io.ReadAll(cmd.InOrStdin())
			if err != nil {
				return err
			}
			var r pdfResult
			if r.Title, r.Text, err = corpus.ExtractPDF(cmd.Context(), b); err != nil {
				r = pdfResult{Error: err.Error()}
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(r)
		},
	}
}

// isolatedPDF reads a PDF in a child process of this binary.
func isolatedPDF(ctx context.Context, b []byte) (string, string, error) {
	argv := pdfChild
	if argv == nil {
		self, err := os.Executable()
		if err != nil {
			return "", "", err
		}
		argv = []string{self, "pdf-text"}
	}
	select {
	case pdfSlots <- struct{}{}:
		defer func() { <-pdfSlots }()
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(b)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	// The child reads no configuration and starts nothing.
	cmd.Env = []string{"GOMAXPROCS=1", "GOGC=100"}
	err := cmd.Run()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", "", fmt.Errorf("unreadable PDF: not read within %s", pdfTimeout)
	case ctx.Err() != nil:
		return "", "", ctx.Err()
	case err != nil:
		return "", "", fmt.Errorf("unreadable PDF: the reader stopped (%s)", firstLine(stderr.String(), err))
	}
	var r pdfResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return "", "", fmt.Errorf("unreadable PDF: %w", err)
	}
	if r.Error != "" {
		return "", "", errors.New(r.Error)
	}
	return r.Title, r.Text, nil
}

func firstLine(s string, err error) string {
	if s = strings.TrimSpace(s); s == "" {
		return err.Error()
	}
	s, _, _ = strings.Cut(s, "\n")
	return s
}
