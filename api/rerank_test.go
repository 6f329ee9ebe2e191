package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/eval"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"github.com/shoulders-qa/shoulders/reader/rerank"
	"github.com/shoulders-qa/shoulders/reader/rerankapi"
	"github.com/shoulders-qa/shoulders/retriever"
)

// withReranker gives the harness the shipped re-ranker model.
func withReranker(t *testing.T, h *harness) {
	t.Helper()
	m, err := rerank.Load(filepath.Join("..", rerank.DefaultModelPath))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := rerank.New(m)
	if err != nil {
		t.Fatal(err)
	}
	h.srv.Reader.Reranker = rerank.ForStore{R: rr, Store: h.store}
}

// The re-rank endpoint, sent the paragraphs of a SQuAD article in a
// shuffled order, puts one that holds the answer first more often than
// BM25 over the same paragraphs does, with the paragraphs' own word
// statistics and with those of a collection of them. Questions of the
// train split's articles.
func TestRerankEndpointOnSQuADArticles(t *testing.T) {
	ctx := context.Background()
	mix, err := corpus.LoadQAMix(ctx, testenv.SharedData(t))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, nil)
	withReranker(t, h)
	articles := map[string][]corpus.Document{}
	for _, d := range mix.Documents {
		if strings.HasPrefix(d.ID, "squad:") {
			articles[d.Title] = append(articles[d.Title], d)
		}
	}
	var qs []corpus.Question
	for _, q := range mix.Questions {
		if q.Split == corpus.SplitTrain && q.Subset == "squad" {
			qs = append(qs, q)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	qs = qs[:400]
	names := map[string]string{} // article title -> collection
	for _, q := range qs {
		title := articleOf(t, q, mix.Documents)
		if _, ok := names[title]; ok {
			continue
		}
		names[title] = fmt.Sprintf("article-%d", len(names))
		col, _ := h.store.Collection(names[title], true)
		if err := col.Upsert(ctx, h.srv.Ingester.Entries(articles[title])); err != nil {
			t.Fatal(err)
		}
	}
	var bm25, own, stats int
	for _, q := range qs {
		title := articleOf(t, q, mix.Documents)
		docs := append([]corpus.Document(nil), articles[title]...)
		rng.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
		body := RerankRequest{Query: q.Text}
		for _, d := range docs {
			body.Documents = append(body.Documents, RerankDocument{Title: d.Title, Text: d.Text})
		}
		for _, collection := range []string{"", names[title]} {
			body.Collection = collection
			var res RerankResponse
			if code := h.json("POST", "/v1/rerank", body, &res); code != http.StatusOK {
				t.Fatalf("%q: status %d", q.Text, code)
			}
			if len(res.Results) != len(docs) {
				t.Fatalf("%d results for %d documents", len(res.Results), len(docs))
			}
			if eval.HasAnswer(docs[res.Results[0].Index].Text, q.Answers) {
				if collection == "" {
					own++
				} else {
					stats++
				}
			}
		}
		var sr SearchResponse
		rerankOff := false
		if code := h.json("POST", "/v1/search", SearchRequest{Query: q.Text, Collection: names[title], K: 1, Rerank: &rerankOff}, &sr); code != http.StatusOK {
			t.Fatalf("search: %d", code)
		}
		if len(sr.Results) > 0 && eval.HasAnswer(sr.Results[0].Passage.Text, q.Answers) {
			bm25++
		}
	}
	t.Logf("answer first, of %d questions: BM25 %d, re-ranked with the documents' statistics %d, with the collection's %d", len(qs), bm25, own, stats)
	if own < bm25+5 || stats < bm25+5 {
		t.Fatalf("re-ranking put the answer first for %d and %d questions, BM25 for %d", own, stats, bm25)
	}
}

// articleOf is the title of the article a SQuAD question was asked of.
func articleOf(t *testing.T, q corpus.Question, docs []corpus.Document) string {
	t.Helper()
	for _, d := range docs {
		if len(q.GoldDocIDs) > 0 && d.ID == q.GoldDocIDs[0] {
			return d.Title
		}
	}
	t.Fatalf("no article for %q", q.Text)
	return ""
}

// The endpoint answers the Jina shape that Shoulders' own cross-encoder
// client speaks, so one server can serve another as its second stage;
// and bad requests get 4xx errors that name the problem.
func TestRerankEndpointShapeAndErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.seed()
	docs := []RerankDocument{
		{Title: "Cooking", Text: "Bread needs flour, water, salt and yeast. Knead it for ten minutes."},
		{Title: "Configuration", Text: lmDoc},
		{Text: "The API answers POST /v1/ask with JSON or server-sent events."},
	}
	const question = "How do I configure the LM?"
	raw := func(body string) (int, string) {
		w := h.do("POST", "/v1/rerank", "application/json", strings.NewReader(body))
		return w.Code, w.Body.String()
	}
	// No model loaded: the server says so.
	if code, body := raw(`{"query": "q", "documents": ["a"]}`); code != http.StatusServiceUnavailable || !strings.Contains(body, "no_reranker") {
		t.Fatalf("without a model: %d %s", code, body)
	}
	withReranker(t, h)
	h.h = h.srv.Handler()

	var full, top RerankResponse
	if code := h.json("POST", "/v1/rerank", RerankRequest{Model: "any", Query: question, Documents: docs}, &full); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if len(full.Results) != 3 || full.Results[0].Index != 1 || full.Results[0].Document != nil || full.Model != rerankModel {
		t.Fatalf("results: %+v", full)
	}
	sum := 0.0
	for i, r := range full.Results {
		sum += r.RelevanceScore
		if i > 0 && r.Score > full.Results[i-1].Score {
			t.Fatalf("not best first: %+v", full.Results)
		}
	}
	if sum < 0.999 || sum > 1.001 || !strings.Contains(lmDoc, full.Results[0].Excerpt) || full.Results[0].Excerpt == "" {
		t.Fatalf("probabilities sum to %f; excerpt %q", sum, full.Results[0].Excerpt)
	}
	// Plain strings, top_n and the documents returned.
	req := `{"query": "How do I configure the LM?", "documents": ["Bread needs flour.", ` + fmt.Sprintf("%q", lmDoc) + `], "top_n": 1, "return_documents": true}`
	if code, body := raw(req); code != http.StatusOK {
		t.Fatalf("strings: %d %s", code, body)
	} else if err := unmarshalStrict([]byte(body), &top); err != nil || len(top.Results) != 1 || top.Results[0].Index != 1 || top.Results[0].Document == nil || top.Results[0].Document.Text != lmDoc {
		t.Fatalf("top_n 1: %v %s", err, body)
	}

	// Shoulders' own cross-encoder client, pointed at the endpoint.
	srv := httptest.NewServer(h.h)
	defer srv.Close()
	client, err := rerankapi.New(rerankapi.Config{URL: srv.URL + "/v1/rerank", API: rerankapi.Jina})
	if err != nil {
		t.Fatal(err)
	}
	var cands []retriever.Candidate
	for i, d := range docs {
		cands = append(cands, retriever.Candidate{Passage: corpus.Passage{ID: fmt.Sprint(i), Title: d.Title, Text: d.Text}, Rank: i + 1})
	}
	out, err := client.Rerank(context.Background(), question, cands)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range out {
		want := full.Results[i]
		s := c.Sources[len(c.Sources)-1]
		if c.Passage.ID != fmt.Sprint(want.Index) || s.Retriever != rerankapi.Source || s.Score <= 0 || s.Score > 1 {
			t.Fatalf("client order %d: %s %+v, endpoint %+v", i, c.Passage.ID, s, want)
		}
	}

	many := make([]string, DefaultLimits.MaxK+1)
	for i := range many {
		many[i] = `"x"`
	}
	for _, c := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"query": "", "documents": ["a"]}`, 400, "empty_query"},
		{`{"query": "q"}`, 400, "no_documents"},
		{`{"query": "q", "documents": ["a", " "]}`, 400, "empty_document"},
		{`{"query": "q", "documents": [5]}`, 400, "invalid_json"},
		{`{"query": "q", "documents": [{"text": "a", "url": "x"}]}`, 400, "unknown_field"},
		{`{"query": "q", "documents": ["a"], "top_n": -1}`, 400, "invalid_top_n"},
		{`{"query": "q", "documents": ["a"], "collection": "../x"}`, 400, "invalid_collection"},
		{`{"query": "q", "documents": ["a"], "collection": "nothing-here"}`, 404, "collection_not_found"},
		{`{"query": "q", "documents": [` + strings.Join(many, ",") + `]}`, 400, "too_many_documents"},
		{`{"query": "q", "documents": ["a"], "texts": ["a"]}`, 400, "unknown_field"},
	} {
		code, body := raw(c.body)
		if code != c.status || !strings.Contains(body, `"code":"`+c.code+`"`) {
			t.Errorf("%.80s: %d %s, want %d %s", c.body, code, body, c.status, c.code)
		}
	}
}
