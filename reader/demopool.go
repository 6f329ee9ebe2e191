package reader

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// ErrNoPool is returned for a demonstration pool that does not exist.
var ErrNoPool = errors.New("no such demonstration pool")

// A demonstration pool is a collection whose documents are solved
// questions: the question is the text (so the retrievers that find
// passages find similar questions), the answers and gold passage are the
// metadata. Its kind setting keeps it apart from passage collections.
const (
	kindMeta  = "kind"
	kindDemos = "demos"
)

// Pools is the DemoSource over a Store's demonstration pools.
type Pools struct {
	Store *index.Store
	// Retriever finds similar questions (BM25 over the pool by default).
	Retriever retriever.Retriever
}

// Demos implements DemoSource.
func (p Pools) Demos(ctx context.Context, pool, question string, k int) ([]Demo, error) {
	c, err := p.pool(pool)
	if err != nil {
		return nil, err
	}
	ret := p.Retriever
	if ret == nil {
		ret = retriever.BM25{Store: p.Store}
	}
	cands, err := ret.Retrieve(ctx, retriever.Query{Collection: pool, Text: question, K: k})
	if err != nil {
		return nil, err
	}
	out := make([]Demo, 0, len(cands))
	for _, cd := range cands {
		rec, err := c.Record(cd.Passage.DocID)
		if err != nil {
			return nil, fmt.Errorf("demonstration %s: %w", cd.Passage.DocID, err)
		}
		d := Demo{ID: rec.ID, Question: cd.Passage.Text, Title: rec.Metadata["title"], Passage: rec.Metadata["passage"], Score: cd.Score}
		if err := json.Unmarshal([]byte(rec.Metadata["answers"]), &d.Answers); err != nil {
			return nil, fmt.Errorf("demonstration %s: answers: %w", rec.ID, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func (p Pools) pool(name string) (*index.Collection, error) {
	c, err := p.Store.Collection(name, false)
	if errors.Is(err, index.ErrNoCollection) {
		return nil, fmt.Errorf("%w %q (create one with shoulders demos load)", ErrNoPool, name)
	}
	if err != nil {
		return nil, err
	}
	if k, err := c.Meta(kindMeta); err != nil || k != kindDemos {
		return nil, fmt.Errorf("%w %q: it is a passage collection", ErrNoPool, name)
	}
	return c, nil
}

// IsPool reports whether a collection is a demonstration pool.
func IsPool(c *index.Collection) bool {
	k, err := c.Meta(kindMeta)
	return err == nil && k == kindDemos
}

// WritePool adds demos to pool, creating it; a demo with the ID of one
// already there replaces it. A passage collection of that name is an
// error, not something to mix questions into.
func WritePool(ctx context.Context, s *index.Store, pool string, demos []Demo) error {
	c, err := s.Collection(pool, true)
	if err != nil {
		return err
	}
	if k, _ := c.Meta(kindMeta); k != kindDemos {
		if n, _ := c.PassageCount(); n > 0 {
			return fmt.Errorf("collection %q holds passages; a demonstration pool needs a name of its own", pool)
		}
		if err := c.SetMeta(kindMeta, kindDemos); err != nil {
			return err
		}
	}
	const batch = 2000
	for len(demos) > 0 {
		n := min(batch, len(demos))
		entries := make([]index.Entry, 0, n)
		for _, d := range demos[:n] {
			answers, _ := json.Marshal(d.Answers)
			doc := corpus.Document{ID: d.ID, Text: d.Question, Prechunked: true,
				Metadata: map[string]string{"answers": string(answers)}}
			if d.Passage != "" {
				doc.Metadata["title"], doc.Metadata["passage"] = d.Title, d.Passage
			}
			if ps := (corpus.Chunker{}).Split(doc); len(ps) > 0 {
				entries = append(entries, index.Entry{Doc: doc, Passages: ps})
			}
		}
		if err := c.Upsert(ctx, entries); err != nil {
			return err
		}
		demos = demos[n:]
	}
	return nil
}

// demoLine is one line of a demonstrations file.
type demoLine struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Answer   string   `json:"answer"`
	Title    string   `json:"title"`
	Passage  string   `json:"passage"`
	Context  string   `json:"context"`
}

// ReadDemos reads a JSONL file of solved questions: "question", "answers"
// (or one "answer"), and optionally the gold "passage" (or "context") with
// its "title" and an "id" (default: the line number). A bad line is an
// error naming it: a pool is small and hand-made, so better fixed than
// skipped.
func ReadDemos(r io.Reader, name string) ([]Demo, error) {
	var out []Demo
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var l demoLine
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		if l.Answer != "" {
			l.Answers = append(l.Answers, l.Answer)
		}
		if l.Passage == "" {
			l.Passage = l.Context
		}
		if l.ID == "" {
			l.ID = strconv.Itoa(n)
		}
		switch {
		case strings.TrimSpace(l.Question) == "":
			return nil, fmt.Errorf("%s:%d: question is empty", name, n)
		case len(l.Answers) == 0:
			return nil, fmt.Errorf("%s:%d: no answers (give \"answers\" or \"answer\")", name, n)
		}
		if err := corpus.ValidateDocID(l.ID); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		out = append(out, Demo{ID: l.ID, Question: strings.TrimSpace(l.Question), Answers: l.Answers, Title: l.Title, Passage: l.Passage})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
