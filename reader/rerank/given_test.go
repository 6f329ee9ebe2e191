package rerank

import (
	"context"
	"math"
	"testing"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// BM25 of passages sent in no collection: rarer terms weigh more, the
// title counts, and a passage matching half the terms keeps half its sum.
func TestBM25OfGivenPassages(t *testing.T) {
	texts := []corpus.Passage{
		{Text: "The Thames flooded London in 1928."},
		{Text: "London is a large city on a river."},
		{Title: "Floods", Text: "The Thames rose and flooded the city."},
		{Text: "Paris is on the Seine."},
		{Text: "London has many parks."},
	}
	docs := make([]*doc, len(texts))
	for i, p := range texts {
		docs[i] = analyze(p, nil)
	}
	st := listStats(docs)
	q := distinct(index.Terms("When did the Thames flood London?"))
	df, n, err := st.DocFreqs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 || df["thame"] != 2 || df["london"] != 3 || df["flood"] != 2 {
		t.Fatalf("document frequencies %v of %d (terms %v)", df, n, q)
	}
	s := bm25(docs, q, idfFunc(df, n))
	if !(s[0] > s[2] && s[2] > s[1] && s[1] > 0 && s[3] == 0) {
		t.Fatalf("scores %v", s)
	}
	// Passages 1 and 4 hold only "london", once each, and one of three
	// terms: a third of that term's BM25 weight at their lengths.
	idf := idfFunc(df, n)("london")
	avg := 0.0
	for _, d := range docs {
		avg += float64(len(d.terms) + len(d.title))
	}
	avg /= 5
	for _, i := range []int{1, 4} {
		k1, b := search.BM25_k1, search.BM25_b // Bleve's
		norm := 1 - b + b*float64(len(docs[i].terms))/avg
		want := idf * k1 / (1 + k1*norm) / 3
		if math.Abs(s[i]-want) > 1e-12 {
			t.Errorf("passage %d: %v, want %v", i, s[i], want)
		}
	}
}
