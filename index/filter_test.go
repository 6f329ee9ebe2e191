package index

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
)

// docsWithMetadata ingests the project's docs, as a folder would be, with
// metadata of the kind a team's JSONL export carries: each page's area,
// and one language for all.
func docsWithMetadata(t *testing.T, c *Collection) (string, []string, map[string]map[string]string) {
	t.Helper()
	dir, ids := seedDocs(t)
	areas := map[string]string{"api.md": "serving", "operations.md": "serving", "configuration.md": "serving",
		"reranker.md": "reader", "reading.md": "reader", "retrieval.md": "retrieval", "formats.md": "retrieval"}
	meta := map[string]map[string]string{}
	var docs []corpus.Document
	for _, id := range ids {
		_, err := corpus.ReadFile(context.Background(), id, "", func(d corpus.Document) error {
			d.Metadata = map[string]string{"lang": "en"}
			if a, ok := areas[path.Base(id)]; ok {
				d.Metadata["area"] = a
			}
			meta[d.ID] = d.Metadata
			docs = append(docs, d)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	in := Ingester{Chunker: corpus.Chunker{}}
	if err := c.Upsert(context.Background(), in.Entries(docs)); err != nil {
		t.Fatal(err)
	}
	return dir, ids, meta
}

// allows is what a filter means, written out plainly.
func allows(f Filter, doc string, meta map[string]string) bool {
	if len(f.Docs) > 0 && !slices.ContainsFunc(f.Docs, func(e string) bool {
		p, prefix := strings.CutSuffix(e, "*")
		return e == doc || prefix && strings.HasPrefix(doc, p)
	}) {
		return false
	}
	for k, vs := range f.Metadata {
		if v, ok := meta[k]; !ok || !slices.Contains(vs, v) {
			return false
		}
	}
	return true
}

// A filtered search returns exactly the unfiltered search's passages of
// the documents the filter lets through, in the same order and with the
// same scores.
func TestSearchIn(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	dir, ids, meta := docsWithMetadata(t, c)
	// And a folder with a folder in it.
	ch := corpus.Chunker{}
	must(t, c.Upsert(ctx, []Entry{
		entry(ch, "notes/packing.md", "Packing notes", "Passages are packed into the token budget in score order."),
		entry(ch, "notes/2026/budget.md", "Budget", "The token budget of a question is what the context leaves."),
		entry(ch, "notesx/budget.md", "Not in notes", "A token budget packed elsewhere."),
	}))
	const q = "how are passages packed into the token budget"
	all, err := c.Search(ctx, q, 1000)
	if err != nil || len(all) < 20 {
		t.Fatalf("unfiltered: %v, %d hits", err, len(all))
	}
	prefix := dir + "/re" // reading.md, reranker.md, retrieval.md
	m := func(kv ...string) map[string][]string {
		out := map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = append(out[kv[i]], kv[i+1])
		}
		return out
	}
	for _, f := range []Filter{
		{Docs: []string{ids[0]}},
		{Docs: []string{ids[0], ids[len(ids)-1]}},
		{Docs: []string{prefix + "*"}},
		{Docs: []string{ids[1], prefix + "*"}},
		{Metadata: m("area", "serving")},
		{Metadata: m("area", "serving", "area", "retrieval")},
		{Metadata: m("area", "reader", "lang", "en")},
		{Docs: []string{prefix + "*"}, Metadata: m("area", "reader")},
		{Docs: []string{"notes/*"}},
		{Docs: []string{"notes/2026/*", ids[0]}},
		{Docs: []string{"notes*"}},
	} {
		// Bleve merges segments in the background, and a merge that drops
		// replaced passages changes the statistics every score uses: the
		// two searches are compared when no merge fell between them.
		var hits []Hit
		var mismatch string
		for try := 0; try < 5; try++ {
			if try > 0 {
				if all, err = c.Search(ctx, q, 1000); err != nil {
					t.Fatal(err)
				}
			}
			if hits, err = c.SearchIn(ctx, q, 1000, f); err != nil || len(hits) == 0 {
				t.Fatalf("%+v: %v, %d hits", f, err, len(hits))
			}
			var want []Hit
			for _, h := range all {
				if allows(f, h.Passage.DocID, meta[h.Passage.DocID]) {
					want = append(want, h)
				}
			}
			if len(hits) != len(want) || len(want) == len(all) {
				t.Fatalf("%+v: %d hits, want %d of %d", f, len(hits), len(want), len(all))
			}
			mismatch = ""
			for i := range hits {
				if hits[i].Passage.ID != want[i].Passage.ID || hits[i].Score != want[i].Score {
					mismatch = fmt.Sprintf("%+v: hit %d is %s %.4f, want %s %.4f", f, i, hits[i].Passage.ID, hits[i].Score, want[i].Passage.ID, want[i].Score)
					break
				}
			}
			if mismatch == "" {
				break
			}
		}
		if mismatch != "" {
			t.Fatal(mismatch)
		}
		ps, err := c.FilteredPassageIDs(ctx, f, 10000)
		if err != nil || len(ps) < len(hits) {
			t.Fatalf("%+v: %v, %d passages for %d hits", f, err, len(ps), len(hits))
		}
		for _, id := range ps {
			if d, _, _ := strings.Cut(id, "#"); !allows(f, d, meta[d]) {
				t.Fatalf("%+v lets %s through", f, id)
			}
		}
	}
	for _, f := range []Filter{{Docs: []string{"no/such/doc.md"}}, {Metadata: m("area", "marketing")}, {Metadata: m("Area", "serving")}} {
		if hits, err := c.SearchIn(ctx, q, 10, f); err != nil || len(hits) != 0 {
			t.Fatalf("%+v matches nothing, yet: %v %d", f, err, len(hits))
		}
	}
	if _, err := c.FilteredPassageIDs(ctx, Filter{Docs: []string{dir + "/*"}}, 10); !errors.Is(err, ErrFilterTooWide) {
		t.Fatalf("a wide filter: %v", err)
	}
	for _, bad := range []Filter{{Docs: []string{""}}, {Docs: []string{"*"}}, {Docs: []string{"a*b"}},
		{Docs: make([]string, MaxFilterEntries+1)}, {Metadata: m("", "x")}, {Metadata: map[string][]string{"area": {}}}} {
		if bad.Validate() == nil {
			t.Errorf("%.60v passes", bad)
		}
	}
}
