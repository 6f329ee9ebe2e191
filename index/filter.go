package index

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// A Filter limits a search to some of a collection's documents: those
// that Docs names and whose metadata holds, for each key of Metadata, one
// of its values. The zero Filter lets every document through.
type Filter struct {
	// Docs are document IDs or, ending in "*", prefixes of IDs: files
	// ingested from a folder share its path ("handbook/*").
	Docs []string
	// Metadata maps a key to the values any one of which it may hold.
	Metadata map[string][]string
}

// Filter limits.
const (
	MaxFilterEntries = 1000 // document entries, and values of all keys
	MaxFilterKeys    = 32
)

// ErrFilterTooWide is returned by FilteredPassageIDs when a filter lets
// through more passages than asked for.
var ErrFilterTooWide = errors.New("filter matches too many passages")

// ErrReindexNeeded is returned for a metadata filter on a collection whose
// index was built before metadata could be searched.
var ErrReindexNeeded = errors.New("reindex needed")

// On reports whether f limits anything.
func (f Filter) On() bool { return len(f.Docs) > 0 || len(f.Metadata) > 0 }

// Validate reports a filter that cannot be used.
func (f Filter) Validate() error {
	if len(f.Docs) > MaxFilterEntries {
		return fmt.Errorf("documents filter has %d entries; the limit is %d", len(f.Docs), MaxFilterEntries)
	}
	for _, e := range f.Docs {
		switch {
		case strings.TrimSpace(e) == "":
			return errors.New("documents filter has an empty entry")
		case e == "*":
			return errors.New(`documents filter entry "*" matches everything; leave the filter out instead`)
		case strings.Contains(strings.TrimSuffix(e, "*"), "*"):
			return fmt.Errorf("documents filter entry %q: * only ends a prefix", e)
		}
	}
	if len(f.Metadata) > MaxFilterKeys {
		return fmt.Errorf("metadata filter has %d keys; the limit is %d", len(f.Metadata), MaxFilterKeys)
	}
	n := 0
	for k, vs := range f.Metadata {
		if strings.TrimSpace(k) == "" {
			return errors.New("metadata filter has an empty key")
		}
		if len(vs) == 0 {
			return fmt.Errorf("metadata filter key %q has no value", k)
		}
		if n += len(vs); n > MaxFilterEntries {
			return fmt.Errorf("metadata filter has more than %d values", MaxFilterEntries)
		}
	}
	return nil
}

// metaTerm is how a metadata pair is indexed, in one keyword field.
func metaTerm(k, v string) string { return k + "\x00" + v }

// metaTerms lists the indexed terms of a document's metadata.
func metaTerms(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, metaTerm(k, v))
	}
	sort.Strings(out)
	return out
}

// docDirs lists the folders a document ID names, each ending in "/":
// "handbook/hr/leave.md" is in "handbook/" and "handbook/hr/".
func docDirs(id string) []string {
	var out []string
	for i := 0; i < len(id) && len(out) < maxDirs; i++ {
		if id[i] == '/' {
			out = append(out, id[:i+1])
		}
	}
	return out
}

// maxDirs bounds the folders indexed for one document ID.
const maxDirs = 32

// query is the Bleve query for the passages of the filter's documents.
// With dirs, a prefix that is a folder ("handbook/*") is one term of
// the folders field; a prefix query on the ID instead goes through every
// ID it matches, which takes seconds when they are tens of thousands.
func (f Filter) query(dirs bool) query.Query {
	var all []query.Query
	if len(f.Docs) > 0 {
		qs := make([]query.Query, len(f.Docs))
		for i, e := range f.Docs {
			if p, ok := strings.CutSuffix(e, "*"); ok && dirs && strings.HasSuffix(p, "/") && strings.Count(p, "/") <= maxDirs {
				q := query.NewTermQuery(p)
				q.SetField(fieldDocDirs)
				qs[i] = q
			} else if ok {
				q := query.NewPrefixQuery(p)
				q.SetField(fieldDocID)
				qs[i] = q
			} else {
				q := query.NewTermQuery(e)
				q.SetField(fieldDocID)
				qs[i] = q
			}
		}
		all = append(all, query.NewDisjunctionQuery(qs))
	}
	keys := make([]string, 0, len(f.Metadata))
	for k := range f.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var qs []query.Query
		for _, v := range f.Metadata[k] {
			q := query.NewTermQuery(metaTerm(k, v))
			q.SetField(fieldMetaKV)
			qs = append(qs, q)
		}
		all = append(all, query.NewDisjunctionQuery(qs))
	}
	if len(all) == 1 {
		return all[0]
	}
	return query.NewConjunctionQuery(all)
}

// hasField reports whether the index's mapping has a field; indexes made
// by older releases lack the newer ones.
func (c *Collection) hasField(name string) bool {
	m, ok := c.idx.Mapping().(*mapping.IndexMappingImpl)
	return ok && m.DefaultMapping.Properties[name] != nil
}

// searchableMetadata reports whether the index holds every passage's
// metadata.
func (c *Collection) searchableMetadata() bool { return c.hasField(fieldMetaKV) }

// Outdated reports whether the collection's index was built by an older
// release, with another analyzer or without the fields filters use:
// Store.Reindex brings it up to date.
func (c *Collection) Outdated() bool {
	return c.Analyzer() != AnalyzerName || !c.searchableMetadata() || !c.hasField(fieldDocDirs)
}

// filterQuery is f's query for this collection's index.
func (c *Collection) filterQuery(f Filter) query.Query { return f.query(c.hasField(fieldDocDirs)) }

// check refuses a metadata filter that the collection's index cannot
// answer: one built before metadata was indexed would match nothing.
func (c *Collection) check(f Filter) error {
	if len(f.Metadata) == 0 {
		return nil
	}
	if c.searchableMetadata() {
		return nil
	}
	return fmt.Errorf("collection %q was indexed before metadata could be searched (%w): stop the server and run `shoulders reindex %s`", c.Name, ErrReindexNeeded, c.Name)
}

// FilteredPassageIDs lists the IDs of the passages of the filter's
// documents, or fails with ErrFilterTooWide if there are more than max.
func (c *Collection) FilteredPassageIDs(ctx context.Context, f Filter, max int) ([]string, error) {
	if err := c.check(f); err != nil {
		return nil, err
	}
	req := bleve.NewSearchRequestOptions(c.filterQuery(f), max+1, 0, false)
	req.SortBy([]string{"_id"})
	res, err := c.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", c.Name, err)
	}
	if res.Total > uint64(max) {
		return nil, fmt.Errorf("%w: %d, more than %d", ErrFilterTooWide, res.Total, max)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}
