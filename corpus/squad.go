package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

type squadParagraph struct {
	Context string `json:"context"`
	QAs     []struct {
		ID       string `json:"id"`
		Question string `json:"question"`
		Answers  []struct {
			Text  string `json:"text"`
			Start int    `json:"answer_start"`
		} `json:"answers"`
	} `json:"qas"`
}

type squadArticle struct {
	Title      string           `json:"title"`
	Paragraphs []squadParagraph `json:"paragraphs"`
}

// SQuADDocID is the document ID of paragraph p of a SQuAD article.
func SQuADDocID(title string, p int) string {
	return fmt.Sprintf("squad:%s:%d", title, p)
}

// eachSQuADArticle decodes a SQuAD JSON file one article at a time, so a
// large training file is never held whole. fn gets the 0-based article index.
func eachSQuADArticle(ctx context.Context, r io.Reader, name string, fn func(i int, a squadArticle) error) error {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return fmt.Errorf("%s: not a SQuAD file: %w", name, err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if key, _ := t.(string); key != "data" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		if err := expectDelim(dec, '['); err != nil {
			return fmt.Errorf(`%s: "data" is not an array: %w`, name, err)
		}
		for i := 0; dec.More(); i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			var a squadArticle
			if err := dec.Decode(&a); err != nil {
				return fmt.Errorf("%s: article %d: %w", name, i, err)
			}
			if err := fn(i, a); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, t)
	}
	return nil
}

// readSQuAD reads a SQuAD v1.1/v2.0 JSON file; every paragraph is a passage
// titled with its article title. SQuAD names articles by their Wikipedia
// page names ("Amazon_rainforest"), which the word splitter would keep as
// one term that no question holds, so the title spells them with spaces.
func readSQuAD(ctx context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	return eachSQuADArticle(ctx, r, name, func(i int, a squadArticle) error {
		for p, para := range a.Paragraphs {
			if para.Context == "" {
				st.skip(name, 0, fmt.Errorf("article %d paragraph %d: empty context", i, p))
				continue
			}
			d := Document{ID: SQuADDocID(a.Title, p), Title: strings.ReplaceAll(a.Title, "_", " "), Text: para.Context, Source: name, Prechunked: true}
			if err := emit(d); err != nil {
				return err
			}
		}
		return nil
	})
}
