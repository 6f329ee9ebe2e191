package main

import (
	"net/http"
	"time"

	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
	"github.com/spf13/cobra"
)

// testLMCmd serves the local OpenAI-compatible test LM, for the browser
// tests and for trying the generated-answer path without model weights.
// Its answers copy the first passage's first sentence: they say nothing of
// answer quality.
func testLMCmd() *cobra.Command {
	var addr, model string
	var delay time.Duration
	cmd := &cobra.Command{
		Use:    "testlm",
		Short:  "Serve the deterministic test LM (OpenAI-compatible) on --addr",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, lm := openaitest.NewHandler(model)
			lm.SetDelay(delay)
			srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
			go func() { <-cmd.Context().Done(); srv.Close() }()
			return srv.ListenAndServe()
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8181", "listen address")
	cmd.Flags().StringVar(&model, "model", "test-model", "model name it answers to")
	cmd.Flags().DurationVar(&delay, "delay", 0, "hold every answer back this long (to test timeouts and shutdown)")
	return cmd
}
