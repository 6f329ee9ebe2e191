package index

import (
	"context"
	"io"
	"maps"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
)

// An ingest's metadata tags every document it reads; a record's own value
// for a key wins.
func TestIngestMetadata(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	jsonl := `{"id": "a", "title": "A", "text": "Okapis eat leaves.", "metadata": {"team": "zoo"}}` + "\n" +
		`{"id": "b", "title": "B", "text": "Narwhals eat fish."}` + "\n"
	src := Source{Name: "animals.jsonl", Format: corpus.JSONL, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(jsonl)), nil }}
	in := Ingester{Chunker: corpus.Chunker{}, Metadata: map[string]string{"team": "ocean", "source": "export"}}
	if _, err := in.Ingest(ctx, c, []Source{src}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]map[string]string{"a": {"team": "zoo", "source": "export"}, "b": {"team": "ocean", "source": "export"}} {
		r, err := c.Record(id)
		if err != nil || !maps.Equal(r.Metadata, want) {
			t.Errorf("%s: %v %v, want %v", id, err, r.Metadata, want)
		}
	}
	if in.Metadata["team"] != "ocean" {
		t.Error("the ingest's own metadata was changed")
	}
	hits, err := c.SearchIn(ctx, "eat", 10, Filter{Metadata: map[string][]string{"source": {"export"}, "team": {"ocean"}}})
	if err != nil || len(hits) != 1 || hits[0].Passage.DocID != "b" {
		t.Fatalf("filtered by the ingest's metadata: %v %+v", err, hits)
	}
}
