package main

import (
	"fmt"
	"strings"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/spf13/cobra"
)

// filterFlags adds the flags that limit ask and search to some documents.
func filterFlags(cmd *cobra.Command, docs, meta *[]string) {
	cmd.Flags().StringSliceVar(docs, "documents", nil, `only these document IDs; an ID ending in * is a prefix ("handbook/*")`)
	cmd.Flags().StringArrayVar(meta, "metadata", nil, `only documents whose metadata holds key=value; repeat a key for any of its values`)
}

// cliFilter builds and checks the filter the flags ask for.
func cliFilter(docs, meta []string) (index.Filter, error) {
	f := index.Filter{Docs: docs}
	for _, kv := range meta {
		k, v, err := splitKV(kv)
		if err != nil {
			return f, err
		}
		if f.Metadata == nil {
			f.Metadata = map[string][]string{}
		}
		f.Metadata[k] = append(f.Metadata[k], v)
	}
	return f, f.Validate()
}

// metadataFlags reads key=value flags that tag documents.
func metadataFlags(kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, err := splitKV(kv)
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

func splitKV(kv string) (string, string, error) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return "", "", fmt.Errorf("--metadata %q: want key=value", kv)
	}
	return k, v, nil
}

// apiMetadata is a filter's metadata as a request carries it.
func apiMetadata(f index.Filter) map[string]api.Values {
	if len(f.Metadata) == 0 {
		return nil
	}
	m := make(map[string]api.Values, len(f.Metadata))
	for k, v := range f.Metadata {
		m[k] = v
	}
	return m
}
