package reader

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/retriever"
)

type fixed struct {
	c   []retriever.Candidate
	err error
}

func (fixed) Name() string { return "fixed" }
func (f fixed) Retrieve(context.Context, retriever.Query) ([]retriever.Candidate, error) {
	return f.c, f.err
}

func TestRetrieveFallsBackToBM25WhenDenseFails(t *testing.T) {
	bm := []retriever.Candidate{{Passage: corpus.Passage{ID: "a#0", Text: "Lava flows."}, Score: 1}}
	var told []string
	r := &Reader{
		Retrievers: map[string]retriever.Retriever{
			"bm25":   fixed{c: bm},
			"dense":  fixed{err: errors.New("connection refused")},
			"hybrid": fixed{c: bm, err: &retriever.Degraded{Parts: []string{"dense"}, Err: errors.New("timeout")}},
		},
		DefaultRetrieval: "bm25", Tokens: Estimate{},
		OnDegraded: func(mode string, parts []string) { told = append(told, mode) },
	}
	for _, mode := range []string{"dense", "hybrid"} {
		a, err := r.Ask(context.Background(), Request{Question: "lava?", Collection: "c", Retrieval: mode})
		if err != nil || len(a.Degraded) != 1 || a.Degraded[0] != "dense" || len(a.Packed) != 1 || a.Retrieval != mode {
			t.Fatalf("%s: %v %+v", mode, err, a)
		}
	}
	if len(told) != 2 {
		t.Fatalf("degradations reported: %v", told)
	}
	a, err := r.Ask(context.Background(), Request{Question: "lava?", Collection: "c"})
	if err != nil || a.Degraded != nil {
		t.Fatalf("bm25 itself is not degraded: %v %+v", err, a.Degraded)
	}
}

type blocking struct{ entered, release chan struct{} }

func (blocking) Name() string { return "blocking" }
func (b blocking) Retrieve(ctx context.Context, _ retriever.Query) ([]retriever.Candidate, error) {
	b.entered <- struct{}{}
	<-b.release
	return nil, nil
}

func TestConcurrencyQueuesRetrievals(t *testing.T) {
	b := blocking{entered: make(chan struct{}, 4), release: make(chan struct{})}
	r := &Reader{Retrievers: map[string]retriever.Retriever{"bm25": b}, DefaultRetrieval: "bm25", Tokens: Estimate{}, Concurrency: 1}
	done := make(chan error, 2)
	go func() { _, err := r.Retrieve(context.Background(), Request{Question: "a"}); done <- err }()
	<-b.entered
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _, err := r.Retrieve(ctx, Request{Question: "b"}); done <- err }()
	select {
	case <-b.entered:
		t.Fatal("a second retrieval ran while the only slot was taken")
	case <-time.After(50 * time.Millisecond):
	}
	cancel() // a client that gives up while queued leaves the queue
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("queued and canceled: %v", err)
	}
	close(b.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type failingCross struct{}

func (failingCross) Rerank(_ context.Context, _ string, c []retriever.Candidate) ([]retriever.Candidate, error) {
	return c, &retriever.Degraded{Parts: []string{"cross-encoder"}, Err: errors.New("connection refused")}
}

type reversingCross struct{}

func (reversingCross) Rerank(_ context.Context, _ string, c []retriever.Candidate) ([]retriever.Candidate, error) {
	out := make([]retriever.Candidate, len(c))
	for i := range c {
		out[i] = c[len(c)-1-i]
	}
	return out, nil
}

func TestCrossEncoderStage(t *testing.T) {
	bm := []retriever.Candidate{{Passage: corpus.Passage{ID: "a#0", Text: "Lava flows."}}, {Passage: corpus.Passage{ID: "b#0", Text: "Ash falls."}}}
	var told [][]string
	r := &Reader{Retrievers: map[string]retriever.Retriever{"bm25": fixed{c: bm}}, DefaultRetrieval: "bm25", Tokens: Estimate{},
		CrossEncoder: reversingCross{}, OnDegraded: func(_ string, parts []string) { told = append(told, parts) }}
	rt, err := r.Retrieve(context.Background(), Request{Question: "lava?"})
	if err != nil || !rt.Reranked || rt.Candidates[0].Passage.ID != "b#0" {
		t.Fatalf("second stage not applied: %v %+v", err, rt)
	}
	off := false
	if rt, _ = r.Retrieve(context.Background(), Request{Question: "lava?", Rerank: &off}); rt.Reranked || rt.Candidates[0].Passage.ID != "a#0" {
		t.Fatal("rerank: false must skip the cross-encoder too")
	}
	r.CrossEncoder = failingCross{}
	rt, err = r.Retrieve(context.Background(), Request{Question: "lava?"})
	if err != nil || rt.Candidates[0].Passage.ID != "a#0" || len(rt.Degraded) != 1 || rt.Degraded[0] != "cross-encoder" || len(told) != 1 {
		t.Fatalf("a failed cross-encoder must degrade, not fail: %v %+v %v", err, rt, told)
	}
}
