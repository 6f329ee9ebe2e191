package index

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// The project's docs, ingested as a folder would be, searched within
// some of them.
func TestSearchIn(t *testing.T) {
	ctx := context.Background()
	dir, ids := seedDocs(t)
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	seed(t, c, dir)
	const q = "how are passages packed into the token budget"
	all, err := c.Search(ctx, q, 100)
	if err != nil || len(all) < 20 {
		t.Fatalf("unfiltered: %v, %d hits", err, len(all))
	}
	score := map[string]float64{}
	for _, h := range all {
		score[h.Passage.ID] = h.Score
	}
	prefix := dir + "/re" // reading.md, reranker.md, retrieval.md
	for _, f := range []DocFilter{{ids[0]}, {ids[0], ids[len(ids)-1]}, {prefix + "*"}, {ids[1], prefix + "*"}} {
		hits, err := c.SearchIn(ctx, q, 100, f)
		if err != nil || len(hits) == 0 {
			t.Fatalf("%v: %v, %d hits", f, err, len(hits))
		}
		// Exactly the unfiltered list's passages of those documents, in
		// the same order, with the same scores.
		var want []Hit
		for _, h := range all {
			if allows(f, h.Passage.DocID) {
				want = append(want, h)
			}
		}
		if len(hits) != len(want) {
			t.Fatalf("%v: %d hits, want %d", f, len(hits), len(want))
		}
		for i := range hits {
			if hits[i].Passage.ID != want[i].Passage.ID || hits[i].Score != want[i].Score {
				t.Fatalf("%v: hit %d is %s %.4f, want %s %.4f", f, i, hits[i].Passage.ID, hits[i].Score, want[i].Passage.ID, want[i].Score)
			}
		}
		ps, err := c.FilteredPassageIDs(ctx, f, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ps {
			if d, _, _ := strings.Cut(id, "#"); !allows(f, d) {
				t.Fatalf("%v lets %s through", f, id)
			}
		}
		if len(ps) < len(hits) {
			t.Fatalf("%v: %d passages, fewer than its %d hits", f, len(ps), len(hits))
		}
	}
	if hits, err := c.SearchIn(ctx, q, 10, DocFilter{"no/such/doc.md"}); err != nil || len(hits) != 0 {
		t.Fatalf("a filter that matches nothing: %v %d", err, len(hits))
	}
	if _, err := c.FilteredPassageIDs(ctx, DocFilter{dir + "/*"}, 10); !errors.Is(err, ErrFilterTooWide) {
		t.Fatalf("a wide filter: %v", err)
	}
	for _, bad := range []DocFilter{{""}, {"*"}, {"a*b"}, make(DocFilter, MaxFilterEntries+1)} {
		if bad.Validate() == nil {
			t.Errorf("%.40v passes", bad)
		}
	}
}

func allows(f DocFilter, doc string) bool {
	for _, e := range f {
		if p, ok := strings.CutSuffix(e, "*"); ok && strings.HasPrefix(doc, p) || e == doc {
			return true
		}
	}
	return false
}
