// Package weaviate keeps the vector copy of a Shoulders collection in a
// Weaviate server or cluster: one class per collection, one object per
// passage (with the same passage ID as in Bleve and a vector we supply),
// and searches by vector, by Weaviate's own BM25, or by its hybrid. It
// also runs a weaviate-server child process when Shoulders manages one.
package weaviate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/google/uuid"
	"github.com/shoulders-qa/shoulders/corpus"
	wv "github.com/weaviate/weaviate-go-client/v4/weaviate"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/fault"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/filters"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/graphql"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/grpc"
	"github.com/weaviate/weaviate/entities/models"
)

// A Store talks to one Weaviate server or cluster.
type Store struct {
	// Keywords gives classes created from now on Weaviate's own inverted
	// index on title and text, which its BM25 and hybrid search need.
	// Shoulders' keyword search is Bleve's: this second copy exists to
	// compare the engines, and costs about a third of ingest time, so it
	// is off unless asked for.
	Keywords bool

	c    *wv.Client
	base string
	kw   sync.Map // class -> bool: has the keyword index
}

// ErrNoKeywords is returned by BM25 and Hybrid on a collection created
// without Weaviate's keyword index.
var ErrNoKeywords = errors.New("this collection was indexed without Weaviate's keyword index (SHOULDERS_WEAVIATE_KEYWORDS=on when it is created); use Bleve's BM25 (retrieval bm25 or hybrid) instead")

// Open connects to the Weaviate at rawURL; timeout bounds each request.
// grpcAddr (host:port), when set, carries batch writes over gRPC, several
// times faster than JSON for vectors.
func Open(rawURL, grpcAddr string, timeout time.Duration) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid Weaviate URL %q", rawURL)
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cfg := wv.Config{Host: u.Host, Scheme: u.Scheme, Timeout: timeout}
	if grpcAddr != "" {
		cfg.GrpcConfig = &grpc.Config{Host: grpcAddr}
	}
	c := wv.New(cfg)
	return &Store{c: c, base: strings.TrimRight(rawURL, "/")}, nil
}

// URL is the server's base URL.
func (s *Store) URL() string { return s.base }

// Ready checks that the server answers and is ready.
func (s *Store) Ready(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/v1/.well-known/ready", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("weaviate not ready: %s", resp.Status)
	}
	return nil
}

// ClassName maps a collection name (a-z, 0-9, '-' and '_', as
// corpus.ValidateCollection allows) to its Weaviate class, one to one:
// '_' becomes "_u" and '-' becomes "_h". Weaviate compares class names
// without regard to case, so case cannot tell the two apart.
func ClassName(collection string) string {
	var b strings.Builder
	b.WriteString("Shoulders_")
	for _, r := range collection {
		switch r {
		case '_':
			b.WriteString("_u")
		case '-':
			b.WriteString("_h")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var namespace = uuid.MustParse("6f1d3c1e-8a43-4b63-9c4e-5e0b0f1a2d77")

// ObjectID is the Weaviate UUID of a passage: derived from its ID, so both
// indexes address a passage the same way and re-ingest overwrites.
func ObjectID(passageID string) strfmt.UUID {
	return strfmt.UUID(uuid.NewSHA1(namespace, []byte(passageID)).String())
}

// EnsureClass creates the collection's class if it is missing: passage
// fields, no vectorizer (vectors come from Shoulders), cosine distance.
func (s *Store) EnsureClass(ctx context.Context, collection string) error {
	return s.ensureClass(ctx, ClassName(collection), s.Keywords)
}

// ensureClass creates class, with Weaviate's keyword index when kw is set,
// unless it exists.
func (s *Store) ensureClass(ctx context.Context, class string, kw bool) error {
	exists, err := s.c.Schema().ClassExistenceChecker().WithClassName(class).Do(ctx)
	if err != nil {
		return describe(err)
	}
	if exists {
		return nil
	}
	f := false
	// Title and text are stored for reconciliation and display; they are
	// indexed only for Weaviate's own keyword search.
	text := func(name string) *models.Property {
		return &models.Property{Name: name, DataType: []string{"text"}, Tokenization: "word",
			IndexFilterable: &kw, IndexSearchable: &kw}
	}
	cls := &models.Class{
		Class:      class,
		Vectorizer: "none",
		Properties: []*models.Property{
			// Looked up by object id (derived from the passage id), never
			// filtered on: no inverted index to keep up at every write.
			{Name: "passage_id", DataType: []string{"text"}, IndexFilterable: &f, IndexSearchable: &f},
			{Name: "doc_id", DataType: []string{"text"}, IndexFilterable: &f, IndexSearchable: &f},
			text("title"),
			text("text"),
			{Name: "ordinal", DataType: []string{"int"}, IndexFilterable: &f, IndexRangeFilters: &f},
		},
		// A lighter graph build than Weaviate's default (efConstruction 128,
		// 32 links per node) makes indexing several times faster; searches
		// for 100 neighbours use ef >= 100 anyway, which keeps recall up.
		VectorIndexConfig: map[string]any{"distance": "cosine", "efConstruction": 40, "maxConnections": 16},
	}
	if err := s.c.Schema().ClassCreator().WithClass(cls).Do(ctx); err != nil {
		// Another writer may have created it meanwhile.
		if ok, _ := s.c.Schema().ClassExistenceChecker().WithClassName(class).Do(ctx); ok {
			s.kw.Delete(class)
			return nil
		}
		return describe(err)
	}
	s.kw.Store(class, kw)
	return nil
}

// Upsert writes passages with their vectors. Each object either lands or
// is reported: a partial failure returns an error naming what failed.
func (s *Store) Upsert(ctx context.Context, collection string, ps []corpus.Passage, vecs [][]float32) error {
	if len(ps) != len(vecs) {
		return fmt.Errorf("%d passages but %d vectors", len(ps), len(vecs))
	}
	class := ClassName(collection)
	const chunk = 500
	// Four batches in flight keep the server's cores busy while one is
	// parsed and answered.
	sem := make(chan struct{}, 4)
	errc := make(chan error, (len(ps)+chunk-1)/chunk)
	var wg sync.WaitGroup
	for start := 0; start < len(ps); start += chunk {
		end := min(start+chunk, len(ps))
		sem <- struct{}{}
		wg.Add(1)
		go func(start, end int) {
			defer func() { <-sem; wg.Done() }()
			errc <- s.upsertBatch(ctx, class, ps[start:end], vecs[start:end])
		}(start, end)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return s.flushGraph(ctx, collection)
}

// neverID is an object ID no passage has (ObjectID never yields the nil UUID).
const neverID = "00000000-0000-0000-0000-000000000000"

// flushGraph makes the vector graph's additions of the batches written so
// far survive a crash of the server. Weaviate (1.35) writes its graph log
// to disk at the end of each batch request, but before that batch's own
// additions are all made: they stay in a buffer until the next request
// that flushes, and a server killed meanwhile comes back with the objects
// and without them in its vector searches, which reconciliation, counting
// objects, cannot see. A batch delete that matches nothing is such a
// request.
func (s *Store) flushGraph(ctx context.Context, collection string) error {
	where := filters.Where().WithPath([]string{"id"}).WithOperator(filters.ContainsAny).WithValueText(neverID)
	_, err := s.c.Batch().ObjectsBatchDeleter().WithClassName(ClassName(collection)).WithWhere(where).WithOutput("minimal").Do(ctx)
	return describe(err)
}

func (s *Store) upsertBatch(ctx context.Context, class string, ps []corpus.Passage, vecs [][]float32) error {
	objs := make([]*models.Object, len(ps))
	for i, p := range ps {
		objs[i] = &models.Object{
			Class: class, ID: ObjectID(p.ID), Vector: vecs[i],
			Properties: map[string]any{"passage_id": p.ID, "doc_id": p.DocID, "title": p.Title, "text": p.Text, "ordinal": p.Ordinal},
		}
	}
	return s.writeObjects(ctx, objs)
}

// writeObjects writes objects in one batch. Each either lands or is
// reported: a partial failure returns an error naming what failed.
func (s *Store) writeObjects(ctx context.Context, objs []*models.Object) error {
	res, err := s.c.Batch().ObjectsBatcher().WithObjects(objs...).Do(ctx)
	if err != nil {
		return describe(err)
	}
	failed := 0
	var first string
	for _, r := range res {
		if r.Result != nil && r.Result.Errors != nil && len(r.Result.Errors.Error) > 0 {
			failed++
			if first == "" {
				first = r.Result.Errors.Error[0].Message
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("weaviate rejected %d of %d passages: %s", failed, len(objs), first)
	}
	return nil
}

// Delete removes passages by ID; missing ones are ignored.
func (s *Store) Delete(ctx context.Context, collection string, ids []string) error {
	const chunk = 1000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		uuids := make([]string, len(part))
		for i, id := range part {
			uuids[i] = ObjectID(id).String()
		}
		where := filters.Where().WithPath([]string{"id"}).WithOperator(filters.ContainsAny).WithValueText(uuids...)
		_, err := s.c.Batch().ObjectsBatchDeleter().WithClassName(ClassName(collection)).WithWhere(where).WithOutput("minimal").Do(ctx)
		if err != nil {
			return describe(err)
		}
	}
	return nil
}

// A Hit is a passage ID with its score (higher is better).
type Hit struct {
	PassageID string
	Score     float64
}

func (s *Store) get(ctx context.Context, collection string, k int, extra string, with func(*graphql.GetBuilder) *graphql.GetBuilder) ([]Hit, error) {
	gb := s.c.GraphQL().Get().WithClassName(ClassName(collection)).WithLimit(k).WithFields(
		graphql.Field{Name: "passage_id"},
		graphql.Field{Name: "_additional", Fields: []graphql.Field{{Name: extra}}},
	)
	res, err := with(gb).Do(ctx)
	if err != nil {
		return nil, describe(err)
	}
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("weaviate: %s", res.Errors[0].Message)
	}
	var body struct {
		Get map[string][]struct {
			PassageID  string         `json:"passage_id"`
			Additional map[string]any `json:"_additional"`
		}
	}
	raw, _ := json.Marshal(res.Data)
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, err
	}
	objs := body.Get[ClassName(collection)]
	out := make([]Hit, 0, len(objs))
	for _, o := range objs {
		h := Hit{PassageID: o.PassageID}
		switch v := o.Additional[extra].(type) {
		case float64:
			h.Score = v
		case string: // Weaviate returns BM25 and hybrid scores as strings
			fmt.Sscan(v, &h.Score)
		}
		if extra == "distance" {
			h.Score = 1 - h.Score // cosine similarity
		}
		out = append(out, h)
	}
	return out, nil
}

// NearVector returns the k passages closest to vec, by cosine similarity.
func (s *Store) NearVector(ctx context.Context, collection string, vec []float32, k int) ([]Hit, error) {
	return s.get(ctx, collection, k, "distance", func(g *graphql.GetBuilder) *graphql.GetBuilder {
		return g.WithNearVector(s.c.GraphQL().NearVectorArgBuilder().WithVector(vec))
	})
}

// NearVectorIn is NearVector among the given passages only (Weaviate
// filters before it searches, so all k can come from them).
func (s *Store) NearVectorIn(ctx context.Context, collection string, vec []float32, k int, passageIDs []string) ([]Hit, error) {
	if len(passageIDs) == 0 {
		return nil, nil
	}
	uuids := make([]string, len(passageIDs))
	for i, id := range passageIDs {
		uuids[i] = ObjectID(id).String()
	}
	where := filters.Where().WithPath([]string{"id"}).WithOperator(filters.ContainsAny).WithValueText(uuids...)
	return s.get(ctx, collection, k, "distance", func(g *graphql.GetBuilder) *graphql.GetBuilder {
		return g.WithNearVector(s.c.GraphQL().NearVectorArgBuilder().WithVector(vec)).WithWhere(where)
	})
}

// BM25 is Weaviate's own BM25 over title and text.
func (s *Store) BM25(ctx context.Context, collection, q string, k int) ([]Hit, error) {
	if err := s.needKeywords(ctx, collection); err != nil {
		return nil, err
	}
	return s.get(ctx, collection, k, "score", func(g *graphql.GetBuilder) *graphql.GetBuilder {
		return g.WithBM25(s.c.GraphQL().Bm25ArgBuilder().WithQuery(q).WithProperties("title", "text"))
	})
}

// Hybrid is Weaviate's own hybrid search: its BM25 fused with vec's
// neighbours, alpha weighting the vector side.
func (s *Store) Hybrid(ctx context.Context, collection, q string, vec []float32, alpha float32, k int) ([]Hit, error) {
	if err := s.needKeywords(ctx, collection); err != nil {
		return nil, err
	}
	return s.get(ctx, collection, k, "score", func(g *graphql.GetBuilder) *graphql.GetBuilder {
		return g.WithHybrid(s.c.GraphQL().HybridArgumentBuilder().WithQuery(q).WithVector(vec).WithAlpha(alpha).WithProperties([]string{"title", "text"}))
	})
}

// IDs lists every passage ID of a collection, paging with a cursor.
func (s *Store) IDs(ctx context.Context, collection string) (map[string]struct{}, error) {
	out := map[string]struct{}{}
	class := ClassName(collection)
	// Weaviate answers a query of a missing class with an error, and one
	// of any class, when it has none, with another.
	if ok, err := s.c.Schema().ClassExistenceChecker().WithClassName(class).Do(ctx); err != nil || !ok {
		return out, describe(err)
	}
	after := ""
	for {
		gb := s.c.GraphQL().Get().WithClassName(class).WithLimit(5000).WithFields(
			graphql.Field{Name: "passage_id"},
			graphql.Field{Name: "_additional", Fields: []graphql.Field{{Name: "id"}}},
		)
		if after != "" {
			gb = gb.WithAfter(after)
		}
		res, err := gb.Do(ctx)
		if err != nil {
			return nil, describe(err)
		}
		if len(res.Errors) > 0 {
			if strings.Contains(res.Errors[0].Message, "no such class") || strings.Contains(res.Errors[0].Message, "Cannot query field") {
				return out, nil // the class does not exist yet: nothing stored
			}
			return nil, fmt.Errorf("weaviate: %s", res.Errors[0].Message)
		}
		var body struct {
			Get map[string][]struct {
				PassageID  string `json:"passage_id"`
				Additional struct {
					ID string `json:"id"`
				} `json:"_additional"`
			}
		}
		raw, _ := json.Marshal(res.Data)
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, err
		}
		objs := body.Get[class]
		for _, o := range objs {
			out[o.PassageID] = struct{}{}
		}
		if len(objs) < 5000 {
			return out, nil
		}
		after = objs[len(objs)-1].Additional.ID
	}
}

// describe unwraps the client's error type into a readable error.
func describe(err error) error {
	if err == nil {
		return nil
	}
	var ce *fault.WeaviateClientError
	if errors.As(err, &ce) {
		if ce.DerivedFromError != nil {
			return fmt.Errorf("weaviate: %w", ce.DerivedFromError)
		}
		return fmt.Errorf("weaviate: HTTP %d: %s", ce.StatusCode, ce.Msg)
	}
	return err
}

// needKeywords checks, once per class, that it has the keyword index.
func (s *Store) needKeywords(ctx context.Context, collection string) error {
	class := ClassName(collection)
	if v, ok := s.kw.Load(class); ok {
		if !v.(bool) {
			return ErrNoKeywords
		}
		return nil
	}
	cls, err := s.c.Schema().ClassGetter().WithClassName(class).Do(ctx)
	if err != nil {
		return describe(err)
	}
	has := hasKeywords(cls)
	s.kw.Store(class, has)
	if !has {
		return ErrNoKeywords
	}
	return nil
}
