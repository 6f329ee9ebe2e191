package reader_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/shoulders-qa/shoulders/retriever"
)

// With the shipped re-ranker, the default policy packs excerpts, each
// holding the sentence that matches the question, so that more of the
// candidates reach the LM than whole passages would let; asking for
// "stop" packs whole passages only.
func TestAskPacksExcerpts(t *testing.T) {
	ctx := context.Background()
	store, err := index.OpenStore(t.TempDir(), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	col, err := store.Collection("c", true)
	if err != nil {
		t.Fatal(err)
	}
	filler := "The island has a long history of trade and fishing. Its markets sell many goods every week. " +
		"Visitors come by ferry in the summer months. The harbour is busy from dawn to dusk. Old stone houses line the narrow streets. "
	var docs []corpus.Document
	for i, town := range []string{"Arlen", "Brisk", "Corran", "Dunmore", "Elsby", "Farrow"} {
		docs = append(docs, corpus.Document{ID: town, Title: town,
			Text: filler + filler + "The lighthouse of " + town + " was built in " + []string{"1801", "1822", "1843", "1864", "1885", "1906"}[i] + ". " + filler + filler})
	}
	in := &index.Ingester{Chunker: corpus.Chunker{Words: 400}}
	if err := col.Upsert(ctx, in.Entries(docs)); err != nil {
		t.Fatal(err)
	}
	m, err := rerank.Load(filepath.Join("..", rerank.DefaultModelPath))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := rerank.New(m)
	if err != nil {
		t.Fatal(err)
	}
	r := &reader.Reader{
		Retrievers:       map[string]retriever.Retriever{"bm25": retriever.BM25{Store: store}},
		DefaultRetrieval: "bm25", Tokens: reader.NewTokenCounter("", "cl100k_base"),
		Reranker: rerank.ForStore{R: rr, Store: store},
		Config:   reader.Config{ContextTokens: 512 + 400, AnswerReserve: 128},
	}
	q := "When was the lighthouse built?"
	a, err := r.Ask(ctx, reader.Request{Question: q, Collection: "c", Budget: 400})
	if err != nil {
		t.Fatal(err)
	}
	cut, sum := 0, 0.0
	for _, p := range a.Packed {
		if p.Chance <= 0 || p.Chance > 1 {
			t.Fatalf("%s: chance %v is no probability", p.Passage.ID, p.Chance)
		}
		sum += p.Chance
		if !p.Excerpted {
			continue
		}
		cut++
		if !strings.Contains(p.Passage.Text, "lighthouse") || strings.Contains(p.Passage.Text, "ferry") {
			t.Fatalf("excerpt %q should be the lighthouse sentence and its neighbour", p.Passage.Text)
		}
		if len(p.ExcerptChances) != len(p.Excerpts) || p.ExcerptChances[0] >= p.Chance {
			t.Fatalf("excerpt chances %v of a passage's %v", p.ExcerptChances, p.Chance)
		}
	}
	// Six passages say alike when each lighthouse was built: packing
	// gives all six by their excerpts rather than one or two whole.
	if len(a.Packed) != 6 || cut < 4 || a.Tokens.Used > 400 || sum > 1.000001 {
		t.Fatalf("%d packed, %d excerpted, in %d of 400 tokens (chance %v)", len(a.Packed), cut, a.Tokens.Used, sum)
	}
	a, err = r.Ask(ctx, reader.Request{Question: q, Collection: "c", Budget: 400, Policy: reader.PolicyStop})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Packed) != 1 || a.Packed[0].Excerpted {
		t.Fatalf("stop packed %+v", a.Packed)
	}
}
