package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/retriever"
	"github.com/spf13/cobra"
)

func searchCmd(cfg *config) *cobra.Command {
	var asJSON, rr bool
	var docs, meta []string
	cmd := &cobra.Command{
		Use:   `search "query"`,
		Short: "List the passages retrieved for a query",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := strings.TrimSpace(args[0])
			if q == "" {
				return fmt.Errorf("the query is empty")
			}
			if err := cfg.checkK(); err != nil {
				return err
			}
			f, err := cliFilter(docs, meta)
			if err != nil {
				return err
			}
			var res api.SearchResponse
			if base := cfg.remote(); base != "" {
				req := api.SearchRequest{Query: q, Collection: cfg.Collection, Retrieval: cfg.Retrieval, K: cfg.K, Documents: docs, Metadata: apiMetadata(f), Rerank: &rr}
				if err := postJSON(cmd.Context(), base+"/v1/search", req, &res); err != nil {
					return err
				}
			} else {
				app, err := cfg.open()
				if err != nil {
					return err
				}
				defer app.Close()
				rt, err := app.reader.Retrieve(cmd.Context(), reader.Request{Question: q, Collection: cfg.Collection, Retrieval: cfg.Retrieval, K: cfg.K, Filter: f, Rerank: &rr})
				if err != nil {
					return cfg.explainMissing(err)
				}
				res = api.SearchResponse{Query: q, Collection: cfg.Collection, Retrieval: rt.Mode, Results: rt.Candidates, Degraded: rt.Degraded}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), res)
			}
			if len(res.Degraded) > 0 {
				fmt.Fprintf(os.Stderr, "degraded: %s unavailable; results from BM25\n", strings.Join(res.Degraded, ", "))
			}
			if len(res.Results) == 0 {
				fmt.Fprintln(os.Stderr, "no passage matched")
			}
			for _, c := range res.Results {
				printCandidate(cmd.OutOrStdout(), c)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print results as JSON")
	cmd.Flags().BoolVar(&rr, "rerank", true, "re-rank the candidates with the model (when one is loaded)")
	filterFlags(cmd, &docs, &meta)
	return cmd
}

func printCandidate(w io.Writer, c retriever.Candidate) {
	text := strings.Join(strings.Fields(c.Passage.Text), " ")
	if len(text) > 160 {
		text = text[:160] + "..."
	}
	fmt.Fprintf(w, "%3d. %.3f  %s  [%s]\n     %s\n", c.Rank, c.Score, c.Passage.Title, c.Passage.ID, text)
}
