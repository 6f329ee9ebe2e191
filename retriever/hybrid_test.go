package retriever

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

func list(name string, ids ...string) []Candidate {
	out := make([]Candidate, len(ids))
	for i, id := range ids {
		score := float64(len(ids) - i)
		out[i] = Candidate{Passage: corpus.Passage{ID: id}, Score: score, Rank: i + 1,
			Sources: []Source{{Retriever: name, Rank: i + 1, Score: score}}}
	}
	return out
}

func ids(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Passage.ID)
	}
	return out
}

func TestRRFByHand(t *testing.T) {
	// a: 1/61 + 1/63; b: 1/62 + 1/61; c: 1/63; d: 1/62.
	f := Hybrid{}.Fuse(list("bm25", "a", "b", "c"), list("dense", "b", "d", "a"))
	if got := ids(f); len(got) != 4 || got[0] != "b" || got[1] != "a" || got[2] != "d" || got[3] != "c" {
		t.Fatalf("order %v", got)
	}
	if want := 1.0/62 + 1.0/61; math.Abs(f[0].Score-want) > 1e-12 {
		t.Fatalf("b scores %v, want %v", f[0].Score, want)
	}
	b := f[0]
	if len(b.Sources) != 2 || b.Sources[0].Retriever != "bm25" || b.Sources[0].Rank != 2 || b.Sources[1].Rank != 1 || b.Rank != 1 {
		t.Fatalf("b keeps its sources: %+v", b)
	}
}

func TestWeightedByHand(t *testing.T) {
	kw := list("bm25", "a", "b", "c") // scores 3,2,1 -> 1, .5, 0
	dn := list("dense", "c", "a")     // scores 2,1   -> 1, 0
	f := Hybrid{Method: FuseWeighted, Alpha: 0.25}.Fuse(kw, dn)
	// a: .75*1 + .25*0 = .75; b: .75*.5 = .375; c: 0 + .25*1 = .25.
	want := map[string]float64{"a": 0.75, "b": 0.375, "c": 0.25}
	for _, c := range f {
		if math.Abs(c.Score-want[c.Passage.ID]) > 1e-12 {
			t.Fatalf("%s: %v, want %v", c.Passage.ID, c.Score, want[c.Passage.ID])
		}
	}
	if ids(f)[0] != "a" || ids(f)[2] != "c" {
		t.Fatalf("order %v", ids(f))
	}
}

func TestFuseEmptyAndTies(t *testing.T) {
	if f := (Hybrid{}).Fuse(nil, nil); len(f) != 0 {
		t.Fatal("fusing nothing gives nothing")
	}
	// Equal fused scores: the candidate ranked better somewhere wins.
	f := Hybrid{}.Fuse(list("bm25", "x", "y"), list("dense", "y", "x"))
	if f[0].Score != f[1].Score || len(f) != 2 {
		t.Fatalf("scores %v %v", f[0].Score, f[1].Score)
	}
}

type fake struct {
	name  string
	c     []Candidate
	err   error
	delay time.Duration
	panic bool // as a bug in the retriever would
}

func (f fake) Name() string { return f.name }
func (f fake) Retrieve(ctx context.Context, q Query) ([]Candidate, error) {
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.panic {
		panic("dense retriever bug")
	}
	return f.c, f.err
}

func TestHybridDegradesWhenDenseFailsOrStalls(t *testing.T) {
	kw := fake{name: "bm25", c: list("bm25", "a", "b")}
	for _, dense := range []fake{
		{name: "dense", err: errors.New("connection refused")},
		{name: "dense", c: list("dense", "z"), delay: 5 * time.Second},
		// Its own goroutine: a panic there, unlike one in the request's,
		// would end the server.
		{name: "dense", panic: true},
	} {
		start := time.Now()
		c, err := Hybrid{Keyword: kw, Dense: dense, DenseTimeout: 100 * time.Millisecond}.Retrieve(context.Background(), Query{K: 10})
		var d *Degraded
		if !errors.As(err, &d) || d.Parts[0] != "dense" || len(c) != 2 || c[0].Passage.ID != "a" {
			t.Fatalf("got %v, %v", ids(c), err)
		}
		if time.Since(start) > time.Second {
			t.Fatalf("a stalled dense side held the answer for %s", time.Since(start))
		}
	}
	c, err := Hybrid{Keyword: kw, Dense: fake{name: "dense", c: list("dense", "b", "z")}}.Retrieve(context.Background(), Query{K: 2})
	if err != nil || len(c) != 2 || c[0].Passage.ID != "b" {
		t.Fatalf("healthy hybrid: %v %v", ids(c), err)
	}
}
