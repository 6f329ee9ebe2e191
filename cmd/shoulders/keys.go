package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/spf13/cobra"
)

func keysCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and revoke API keys",
		Long: `API keys let clients in when the server requires them (by default whenever
it listens beyond loopback). Keys are stored hashed in DATA_DIR/keys.json; a
running server picks up changes within a second.`,
	}
	var scopes, collections []string
	var name string
	var rate float64
	var burst int
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a key and print it (once: only its hash is kept)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := api.ParseScopes(scopes)
			if err != nil {
				return err
			}
			ks, err := api.OpenKeyStore(keysPath(cfg))
			if err != nil {
				return err
			}
			token, k, err := ks.Create(name, sc, collections, rate, burst)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "created key %s (%s) with scopes %s; it is shown only now:\n", k.ID, orDefault(k.Name, "unnamed"), joinScopes(k.Scopes))
			fmt.Println(token)
			return nil
		},
	}
	create.Flags().StringSliceVar(&scopes, "scope", []string{"query"}, "scopes: query, ingest, admin")
	create.Flags().StringSliceVar(&collections, "collections", nil, "restrict the key to these collections and demonstration pools")
	create.Flags().StringVar(&name, "name", "", "a name to recognize the key by")
	create.Flags().Float64Var(&rate, "rate", 0, "requests per second (0: the server's default)")
	create.Flags().IntVar(&burst, "burst", 0, "burst size (0: the server's default)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks, err := api.OpenKeyStore(keysPath(cfg))
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tSCOPES\tCOLLECTIONS\tRATE\tCREATED\tSTATUS")
			for _, k := range ks.List() {
				status := "active"
				if k.Revoked != nil {
					status = "revoked " + k.Revoked.Format("2006-01-02 15:04")
				}
				rate := "default"
				if k.Rate > 0 {
					rate = fmt.Sprintf("%g/s", k.Rate)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, orDefault(k.Name, "-"), joinScopes(k.Scopes),
					orDefault(strings.Join(k.Collections, ","), "all"), rate, k.Created.Format("2006-01-02 15:04"), status)
			}
			return w.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key; requests with it are refused from then on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := api.OpenKeyStore(keysPath(cfg))
			if err != nil {
				return err
			}
			if err := ks.Revoke(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "revoked key %s\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func joinScopes(s []api.Scope) string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return strings.Join(out, ",")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
