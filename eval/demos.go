package eval

import (
	"context"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/reader"
)

// Demos turns the dataset's questions into worked examples for a
// demonstration pool, each with its gold passage when the dataset names
// one (SQuAD's paragraph, NQ's gold passage). Load the training split for
// a pool: demos drawn from the questions being evaluated would leak.
func (d *Dataset) Demos(ctx context.Context) ([]reader.Demo, error) {
	want := map[string]*corpus.Document{}
	for _, q := range d.Questions {
		if len(q.GoldDocIDs) > 0 {
			want[q.GoldDocIDs[0]] = nil
		}
	}
	if len(want) > 0 {
		for _, src := range d.Corpus {
			rc, err := src.Open()
			if err != nil {
				return nil, err
			}
			_, err = corpus.Read(ctx, rc, src.Name, src.Format, func(doc corpus.Document) error {
				if _, ok := want[doc.ID]; ok {
					want[doc.ID] = &doc
				}
				return nil
			})
			rc.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	out := make([]reader.Demo, 0, len(d.Questions))
	for _, q := range d.Questions {
		if q.Regex {
			continue // a regular expression is no answer to show
		}
		dm := reader.Demo{ID: q.ID, Question: q.Text, Answers: q.Answers}
		if len(q.GoldDocIDs) > 0 {
			if doc := want[q.GoldDocIDs[0]]; doc != nil {
				dm.Title, dm.Passage = doc.Title, doc.Text
			}
		}
		out = append(out, dm)
	}
	return out, nil
}
