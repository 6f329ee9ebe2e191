package main

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/spf13/cobra"
)

func documentsCmd(cfg *config) *cobra.Command {
	var offset, limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "documents",
		Short: "List a collection's documents, show one, or delete some",
		Long: `List the documents of a collection (-c), show one with its text, or delete
documents with their passages and vectors. A running server at --addr (or
--server) does it, with a key in SHOULDERS_API_KEY when keys are required;
without a server the data folder is used here.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return listDocuments(cmd, cfg, offset, limit, asJSON) },
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the documents, by id",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return listDocuments(cmd, cfg, offset, limit, asJSON) },
	}
	for _, c := range []*cobra.Command{cmd, list} {
		c.Flags().IntVar(&offset, "offset", 0, "documents to skip")
		c.Flags().IntVar(&limit, "limit", 50, "most documents to list (up to 1000)")
		c.Flags().BoolVar(&asJSON, "json", false, "print the server's JSON")
	}
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Print a document: its title, source, metadata and text",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var doc api.DocumentResponse
			err := withDocuments(cmd, cfg, args[0], false, func(base, path string) error {
				return callJSON(cmd.Context(), "GET", base+path, nil, &doc)
			}, func(col *index.Collection, _ *index.Synced) (err error) {
				doc, err = api.GetDocument(cmd.Context(), col, args[0])
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), doc)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s\n", doc.Title)
			fmt.Fprintf(w, "id: %s\ncollection: %s\npassages: %d\nupdated: %s\n", doc.ID, doc.Collection, doc.DocRecord.Passages, doc.Updated.Format("2006-01-02 15:04:05Z07:00"))
			if doc.Source != "" && doc.Source != doc.ID {
				fmt.Fprintf(w, "source: %s\n", doc.Source)
			}
			keys := make([]string, 0, len(doc.Metadata))
			for k := range doc.Metadata {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "metadata: %s=%s\n", k, doc.Metadata[k])
			}
			fmt.Fprintf(w, "\n%s\n", doc.Text)
			return nil
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print the server's JSON, passages included")
	del := &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete documents with their passages and vectors",
		Long: `Delete each named document of the collection (-c) with its passages and
vectors. The ids are those that list prints, such as docs/api.md. An id
that is not there is an error, after the others are deleted. A server
started with --seed adds a file of its folder again when it next starts.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range args {
				if err := corpus.ValidateDocID(id); err != nil {
					return err
				}
			}
			// One server probe, or one opening of the folder and its
			// vectors, for all the ids.
			var missing []string
			deleted := func(id string, passages int, err error) error {
				if isNotFound(err) {
					missing = append(missing, id)
					return nil
				}
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "deleted %s: %d passages\n", id, passages)
				}
				return err
			}
			err := withDocuments(cmd, cfg, "", true, func(base, _ string) error {
				for _, id := range args {
					var res struct{ Passages int }
					err := callJSON(cmd.Context(), "DELETE", base+"/v1/documents/"+url.PathEscape(id)+"?collection="+url.QueryEscape(cfg.Collection), nil, &res)
					if err := deleted(id, res.Passages, err); err != nil {
						return err
					}
				}
				return nil
			}, func(col *index.Collection, synced *index.Synced) error {
				for _, id := range args {
					var rec index.DocRecord
					var err error
					if synced != nil {
						rec, err = synced.Delete(cmd.Context(), col, id)
					} else {
						rec, err = col.Delete(cmd.Context(), id)
					}
					if err := deleted(id, rec.Passages, err); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				return fmt.Errorf("not in collection %q: %s", cfg.Collection, strings.Join(missing, ", "))
			}
			return nil
		},
	}
	cmd.AddCommand(list, show, del)
	return cmd
}

// withDocuments runs remote against the running server, with the API path
// of document id (or of the list, when id is empty), or else local against
// the collection opened here, with the vector index when vectors is set
// (a delete) and without it, which is quicker, to read.
func withDocuments(cmd *cobra.Command, cfg *config, id string, vectors bool, remote func(base, path string) error, local func(col *index.Collection, synced *index.Synced) error) error {
	if id != "" {
		if err := corpus.ValidateDocID(id); err != nil {
			return err
		}
	}
	if base := cfg.remote(); base != "" {
		path := "/v1/documents"
		if id != "" {
			path += "/" + url.PathEscape(id)
		}
		if err := remote(base, path+"?collection="+url.QueryEscape(cfg.Collection)); err != nil {
			return fmt.Errorf("the server at %s: %w", base, err)
		}
		return nil
	}
	if !vectors {
		store, err := cfg.openExisting("")
		if err != nil {
			return err
		}
		defer store.Close()
		col, err := store.Collection(cfg.Collection, false)
		if err != nil {
			return lockedHint(err, cfg)
		}
		return local(col, nil)
	}
	a, err := cfg.open()
	if err != nil {
		return err
	}
	defer a.Close()
	col, err := a.store.Collection(cfg.Collection, false)
	if err != nil {
		return lockedHint(err, cfg)
	}
	return local(col, a.synced)
}

func listDocuments(cmd *cobra.Command, cfg *config, offset, limit int, asJSON bool) error {
	if offset < 0 || limit < 1 || limit > 1000 {
		return fmt.Errorf("--offset must be at least 0 and --limit between 1 and 1000")
	}
	var res struct {
		Collection string            `json:"collection"`
		Total      uint64            `json:"total"`
		Offset     int               `json:"offset"`
		Documents  []index.DocRecord `json:"documents"`
	}
	err := withDocuments(cmd, cfg, "", false, func(base, path string) error {
		return callJSON(cmd.Context(), "GET", fmt.Sprintf("%s%s&offset=%d&limit=%d", base, path, offset, limit), nil, &res)
	}, func(col *index.Collection, _ *index.Synced) (err error) {
		res.Collection, res.Offset = col.Name, offset
		res.Documents, res.Total, err = col.Documents(cmd.Context(), offset, limit)
		return err
	})
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), res)
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "id\ttitle\tpassages\tupdated")
	for _, d := range res.Documents {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", d.ID, d.Title, d.Passages, d.Updated.Format("2006-01-02 15:04"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if shown := uint64(offset + len(res.Documents)); shown < res.Total {
		fmt.Fprintf(cmd.ErrOrStderr(), "%d to %d of %d documents; --offset %d for more\n", offset+1, shown, res.Total, shown)
	}
	return nil
}

// isNotFound tells a document that is not there, as the server or the
// index says it, from every other failure (a missing collection among
// them).
func isNotFound(err error) bool {
	var se *serverError
	if errors.As(err, &se) {
		return se.Code == "not_found"
	}
	return errors.Is(err, index.ErrNotFound)
}
