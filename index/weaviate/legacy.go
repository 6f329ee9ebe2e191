package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/weaviate/weaviate-go-client/v4/weaviate/graphql"
	"github.com/weaviate/weaviate/entities/models"
)

// legacyClassName is the class earlier releases gave a collection: every
// character but letters and digits became '_', so "team-a" and "team_a"
// shared one class.
func legacyClassName(collection string) string {
	var b strings.Builder
	b.WriteString("Shoulders_")
	for _, r := range collection {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// MoveLegacy moves a collection's vectors out of the class an earlier
// release named it by into the one ClassName gives it, then deletes the
// old class, so that an upgrade embeds nothing again. siblings are the
// other collections of the same data folder: when one of them had the same
// old class, both wrote into it and a vector cannot be told to be whose,
// so nothing is copied and reconciliation embeds the passages afresh.
// Vectors the new class already holds are kept. It returns how many
// vectors were copied; a collection without an old class is left alone.
func (s *Store) MoveLegacy(ctx context.Context, collection string, siblings []string) (int, error) {
	old, class := legacyClassName(collection), ClassName(collection)
	if old == class {
		return 0, nil
	}
	exists, err := s.c.Schema().ClassExistenceChecker().WithClassName(old).Do(ctx)
	if err != nil || !exists {
		return 0, describe(err)
	}
	shared := false
	for _, o := range siblings {
		shared = shared || (o != collection && legacyClassName(o) == old)
	}
	copied := 0
	if !shared {
		cls, err := s.c.Schema().ClassGetter().WithClassName(old).Do(ctx)
		if err != nil {
			return 0, describe(err)
		}
		if err := s.ensureClass(ctx, class, hasKeywords(cls)); err != nil {
			return 0, err
		}
		have, err := s.IDs(ctx, collection)
		if err != nil {
			return 0, err
		}
		if copied, err = s.copyClass(ctx, old, class, have); err != nil {
			return copied, fmt.Errorf("move vectors from %s to %s: %w", old, class, err)
		}
	}
	if err := s.deleteClass(ctx, old); err != nil {
		return copied, err
	}
	return copied, nil
}

// copyClass copies every object of from, vector included, into to,
// except the passages in skip.
func (s *Store) copyClass(ctx context.Context, from, to string, skip map[string]struct{}) (int, error) {
	const page = 500
	copied, after := 0, ""
	for {
		gb := s.c.GraphQL().Get().WithClassName(from).WithLimit(page).WithFields(
			graphql.Field{Name: "passage_id"}, graphql.Field{Name: "doc_id"},
			graphql.Field{Name: "title"}, graphql.Field{Name: "text"}, graphql.Field{Name: "ordinal"},
			graphql.Field{Name: "_additional", Fields: []graphql.Field{{Name: "id"}, {Name: "vector"}}},
		)
		if after != "" {
			gb = gb.WithAfter(after)
		}
		res, err := gb.Do(ctx)
		if err != nil {
			return copied, describe(err)
		}
		if len(res.Errors) > 0 {
			return copied, fmt.Errorf("weaviate: %s", res.Errors[0].Message)
		}
		var body struct {
			Get map[string][]struct {
				PassageID  string `json:"passage_id"`
				DocID      string `json:"doc_id"`
				Title      string `json:"title"`
				Text       string `json:"text"`
				Ordinal    int    `json:"ordinal"`
				Additional struct {
					ID     string    `json:"id"`
					Vector []float32 `json:"vector"`
				} `json:"_additional"`
			}
		}
		raw, _ := json.Marshal(res.Data)
		if err := json.Unmarshal(raw, &body); err != nil {
			return copied, err
		}
		objs := body.Get[from]
		var batch []*models.Object
		for _, o := range objs {
			if _, ok := skip[o.PassageID]; ok || o.PassageID == "" {
				continue
			}
			batch = append(batch, &models.Object{
				Class: to, ID: ObjectID(o.PassageID), Vector: o.Additional.Vector,
				Properties: map[string]any{"passage_id": o.PassageID, "doc_id": o.DocID, "title": o.Title, "text": o.Text, "ordinal": o.Ordinal},
			})
		}
		if len(batch) > 0 {
			if err := s.writeObjects(ctx, batch); err != nil {
				return copied, err
			}
			copied += len(batch)
		}
		if len(objs) < page {
			return copied, nil
		}
		after = objs[len(objs)-1].Additional.ID
	}
}
