package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/spf13/cobra"
)

func collectionsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "collections",
		Short: "List collections, or delete one",
		Long: `List the collections with their documents, passages and size on disk, or
delete one. A running server at --addr (or --server) does it, with a key
in SHOULDERS_API_KEY when keys are required; without a server the data
folder is read here.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return listCollections(cmd, cfg) },
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the collections with their documents, passages and size",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return listCollections(cmd, cfg) },
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a collection: its documents, passages and vectors",
		Long: `Delete a collection with everything in it: documents, passages and
vectors. The name is not defaulted: name the collection to delete. The
vectors go first; if the vector index cannot delete them, nothing is
deleted. A server started with --seed seeds its collection again when it
next starts.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := corpus.ValidateCollection(name); err != nil {
				return err
			}
			var res struct {
				Deleted             string
				Documents, Passages uint64
			}
			if base := cfg.remote(); base != "" {
				if err := callJSON(cmd.Context(), "DELETE", base+"/v1/collections/"+url.PathEscape(name), nil, &res); err != nil {
					return fmt.Errorf("delete by the server at %s: %w", base, err)
				}
			} else {
				if _, err := os.Stat(filepath.Join(cfg.DataDir, "collections", name)); err != nil {
					return fmt.Errorf("%w: %q is not in %s, and no server answers at %s", index.ErrNoCollection, name, cfg.DataDir, cfg.Addr)
				}
				a, err := cfg.open()
				if err != nil {
					return err
				}
				defer a.Close()
				col, err := a.store.Collection(name, false)
				if err != nil {
					return lockedHint(err, cfg)
				}
				res.Passages, _ = col.PassageCount()
				_, res.Documents, _ = col.Documents(cmd.Context(), 0, 1)
				if a.synced != nil {
					err = a.synced.Drop(cmd.Context(), name)
				} else {
					err = a.store.Drop(name, nil)
				}
				if err != nil {
					return err
				}
			}
			fmt.Printf("deleted %s: %d documents, %d passages\n", name, res.Documents, res.Passages)
			return nil
		},
	}
	cmd.AddCommand(list, del)
	return cmd
}

func listCollections(cmd *cobra.Command, cfg *config) error {
	var infos []api.CollectionInfo
	if base := cfg.remote(); base != "" {
		var res struct{ Details []api.CollectionInfo }
		if err := callJSON(cmd.Context(), "GET", base+"/v1/collections", nil, &res); err != nil {
			return fmt.Errorf("list by the server at %s: %w", base, err)
		}
		infos = res.Details
	} else {
		store, err := cfg.openExisting("")
		if err != nil {
			return err
		}
		defer store.Close()
		if infos, err = api.ListCollections(cmd.Context(), store, func(string) bool { return true }); err != nil {
			return lockedHint(err, cfg)
		}
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "collection\tdocuments\tpassages\tMB")
	for _, in := range infos {
		name := in.Name
		if in.Pool {
			name += " (demonstration pool)"
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%.1f\n", name, in.Documents, in.Passages, float64(in.Bytes)/1e6)
	}
	return w.Flush()
}

// lockedHint adds to an index held by another process where to find it.
func lockedHint(err error, cfg *config) error {
	if errors.Is(err, index.ErrLocked) {
		return fmt.Errorf("%w: the server using %s does not answer at %s; give its address with --server", err, cfg.DataDir, cfg.Addr)
	}
	return err
}
