package index

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// A DocFilter limits a search to some of a collection's documents. Each
// entry is a document ID or, ending in "*", a prefix of IDs: files
// ingested from a folder share its path ("handbook/*"). An empty filter
// lets every document through.
type DocFilter []string

// MaxFilterEntries bounds the entries of a DocFilter.
const MaxFilterEntries = 1000

// ErrFilterTooWide is returned by FilteredPassageIDs when a filter lets
// through more passages than asked for.
var ErrFilterTooWide = errors.New("documents filter matches too many passages")

// Validate reports a filter that cannot be used.
func (f DocFilter) Validate() error {
	if len(f) > MaxFilterEntries {
		return fmt.Errorf("documents filter has %d entries; the limit is %d", len(f), MaxFilterEntries)
	}
	for _, e := range f {
		switch {
		case strings.TrimSpace(e) == "":
			return errors.New("documents filter has an empty entry")
		case e == "*":
			return errors.New(`documents filter entry "*" matches everything; leave the filter out instead`)
		case strings.Contains(strings.TrimSuffix(e, "*"), "*"):
			return fmt.Errorf("documents filter entry %q: * only ends a prefix", e)
		}
	}
	return nil
}

// query is the Bleve query for the passages of the filter's documents.
func (f DocFilter) query() query.Query {
	qs := make([]query.Query, len(f))
	for i, e := range f {
		if p, ok := strings.CutSuffix(e, "*"); ok {
			q := query.NewPrefixQuery(p)
			q.SetField(fieldDocID)
			qs[i] = q
		} else {
			q := query.NewTermQuery(e)
			q.SetField(fieldDocID)
			qs[i] = q
		}
	}
	return query.NewDisjunctionQuery(qs)
}

// FilteredPassageIDs lists the IDs of the passages of the filter's
// documents, or fails with ErrFilterTooWide if there are more than max.
func (c *Collection) FilteredPassageIDs(ctx context.Context, f DocFilter, max int) ([]string, error) {
	req := bleve.NewSearchRequestOptions(f.query(), max+1, 0, false)
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
