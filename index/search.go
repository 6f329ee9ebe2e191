package index

import (
	"context"
	"fmt"
	"sort"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/shoulders-qa/shoulders/corpus"
)

// A Hit is a passage found by a search, with its score.
type Hit struct {
	Passage corpus.Passage
	Score   float64
}

var storedFields = []string{fieldDocID, fieldTitle, fieldText, fieldSource, fieldOrdinal, fieldStart, fieldEnd}

// Search returns the k passages that score highest under BM25 for q,
// matching any of its terms in the text or (boosted) in the title.
func (c *Collection) Search(ctx context.Context, q string, k int) ([]Hit, error) {
	return c.SearchIn(ctx, q, k, Filter{})
}

// SearchIn is Search among the documents that f lets through. Scores are
// those of the whole collection: the filter leaves passages out, and
// changes no word's weight.
func (c *Collection) SearchIn(ctx context.Context, q string, k int, f Filter) ([]Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	if err := c.check(f); err != nil {
		return nil, err
	}
	body := query.NewMatchQuery(q)
	body.SetField(fieldBody)
	var qq query.Query = body
	if c.opts.TitleBoost > 0 {
		title := query.NewMatchQuery(q)
		title.SetField(fieldTitle)
		title.SetBoost(c.opts.TitleBoost)
		qq = query.NewDisjunctionQuery([]query.Query{body, title})
	}
	if f.On() {
		// A Bleve filter scores nothing: only the question's terms do.
		b := query.NewBooleanQuery([]query.Query{qq}, nil, nil)
		b.AddFilter(c.filterQuery(f))
		qq = b
	}
	// How concurrent ingest laid out the segments shows in the results:
	// Bleve orders equal scores by its internal numbers, and sums a
	// score's parts in an order that can move its last bit. Scores are
	// cut to float32 precision, ties go by passage ID, and a tie across
	// the k-th place is fetched whole, so that the same passages give the
	// same list (and training the same model).
	for n := k + 1; ; n *= 2 {
		req := bleve.NewSearchRequestOptions(qq, n, 0, false)
		req.Fields = storedFields
		res, err := c.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", c.Name, err)
		}
		hs := res.Hits
		for _, h := range hs {
			h.Score = float64(float32(h.Score))
		}
		if len(hs) < n || hs[n-1].Score != hs[k-1].Score {
			sort.SliceStable(hs, func(i, j int) bool {
				if hs[i].Score != hs[j].Score {
					return hs[i].Score > hs[j].Score
				}
				return hs[i].ID < hs[j].ID
			})
			return hits(hs[:min(k, len(hs))]), nil
		}
	}
}

// Passages fetches passages by ID, in the order given; unknown IDs are
// left out.
func (c *Collection) Passages(ctx context.Context, ids []string) ([]corpus.Passage, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = storedFields
	res, err := c.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	byID := map[string]corpus.Passage{}
	for _, h := range hits(res.Hits) {
		byID[h.Passage.ID] = h.Passage
	}
	out := make([]corpus.Passage, 0, len(ids))
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// DocumentPassages returns a document's passages in order.
func (c *Collection) DocumentPassages(ctx context.Context, id string) ([]corpus.Passage, error) {
	r, err := c.Record(id)
	if err != nil {
		return nil, err
	}
	ids := make([]string, r.Passages)
	for i := range ids {
		ids[i] = corpus.PassageID(id, i)
	}
	return c.Passages(ctx, ids)
}

// Documents lists the collection's documents sorted by ID, with the total.
func (c *Collection) Documents(ctx context.Context, offset, limit int) ([]DocRecord, uint64, error) {
	zero := 0.0
	t := true
	first := query.NewNumericRangeInclusiveQuery(&zero, &zero, &t, &t)
	first.SetField(fieldOrdinal)
	req := bleve.NewSearchRequestOptions(first, limit, offset, false)
	req.SortBy([]string{fieldDocID})
	req.Fields = recordFields
	res, err := c.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	out := make([]DocRecord, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, record(h.Fields))
	}
	return out, res.Total, nil
}

func hits(dm search.DocumentMatchCollection) []Hit {
	out := make([]Hit, 0, len(dm))
	for _, h := range dm {
		str := func(k string) string { s, _ := h.Fields[k].(string); return s }
		num := func(k string) int { f, _ := h.Fields[k].(float64); return int(f) }
		out = append(out, Hit{Score: h.Score, Passage: corpus.Passage{
			ID: h.ID, DocID: str(fieldDocID), Title: str(fieldTitle), Text: str(fieldText),
			Source: str(fieldSource), Ordinal: num(fieldOrdinal), Start: num(fieldStart), End: num(fieldEnd),
		}})
	}
	return out
}
