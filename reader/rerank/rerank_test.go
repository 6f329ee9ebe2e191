package rerank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/internal/testenv"
	"github.com/shoulders-qa/shoulders/retriever"
)

func uniformIDF(string) float64 { return 1 }

func feat(t *testing.T, question, text string) map[string]float64 {
	t.Helper()
	q := newQuery(question, index.Terms(question), uniformIDF, nil)
	c := retriever.Candidate{Passage: corpus.Passage{ID: "p#0", Title: "Title", Text: text}, Rank: 2,
		Sources: []retriever.Source{{Retriever: "bm25", Rank: 2, Score: 5}}}
	d := analyze(c.Passage, nil)
	q.local([]*doc{d})
	f := features(q, d, q.hitsOf(d), c, map[string]float64{"bm25": 10})
	out := map[string]float64{}
	for i, n := range FeatureNames {
		out[n] = f[i]
	}
	return out
}

func TestFeaturesOnHandMadePairs(t *testing.T) {
	f := feat(t, "When did the Nobel prize in physics start?",
		"The Nobel prize in physics was first awarded in 1901. It is given yearly.")
	// Terms: nobel, prize, physics, start; three of four are present.
	if f["cover_idf"] != 0.75 || f["bm25_norm"] != 0.5 || f["bm25_rrank"] != 0.5 || f["list_rrank"] != 0.5 {
		t.Fatalf("coverage and scores: %v", f)
	}
	if f["longest_run"] != 0.75 || f["proximity"] != 1 || f["best_sentence"] != 0.75 {
		t.Fatalf("runs and proximity: %v", f)
	}
	if f["when_years"] != 1 || f["who_names"] != 0 {
		t.Fatalf("answer type: %v", f)
	}
	scattered := feat(t, "nobel physics", "Nobel is a name. Many words come between them here. Physics is a science.")
	if scattered["proximity"] >= 0.5 || scattered["best_sentence"] != 0.5 || scattered["cover_bigram"] != 0 {
		t.Fatalf("scattered terms: %v", scattered)
	}
	none := feat(t, "volcano", "Bread and butter.")
	if none["cover_idf"] != 0 || none["proximity"] != 0 {
		t.Fatalf("no match: %v", none)
	}
}

// synthetic builds lists where the relevant candidate is the one with the
// highest coverage but not the best first-stage rank: what a re-ranker
// must learn to undo.
func synthetic(n int) []List {
	var lists []List
	for i := 0; i < n; i++ {
		l := List{}
		rel := (i * 7) % 10
		for j := 0; j < 10; j++ {
			f := make([]float64, len(FeatureNames))
			f[4] = 1 / float64(j+1)            // list rank, uninformative
			f[5] = 0.3 + 0.05*float64((i+j)%5) // coverage noise
			if j == rel {
				f[5] = 0.95
			}
			l.feats = append(l.feats, f)
			l.bags = append(l.bags, bag{})
			l.pos = append(l.pos, j == rel)
		}
		lists = append(lists, l)
	}
	return lists
}

func TestLearnsSyntheticRankingTask(t *testing.T) {
	lists := synthetic(200)
	m, err := Train(lists, TrainConfig{Seed: 3, Epochs: 30, Patience: 30, LR: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	loss := 0.0
	for i := range lists {
		loss += m.listLoss(&lists[i])
	}
	loss /= float64(len(lists))
	if loss > 0.05 || m.Training.Dev["top1"] != 100 {
		t.Fatalf("mean loss %.4f, held-out top-1 %.1f", loss, m.Training.Dev["top1"])
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	lists := synthetic(60)
	for i := range lists {
		lists[i].q = []int{1, 2}
		for j := range lists[i].bags {
			lists[i].bags[j] = bag{ids: []int{1, 3, j}, counts: []float64{1, 1, 2}}
		}
	}
	enc := func() []byte {
		m, err := Train(lists, TrainConfig{Seed: 9, Epochs: 3, Neural: true, HashSize: 64, EmbDim: 4})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		return b
	}
	if !bytes.Equal(enc(), enc()) {
		t.Fatal("two trainings with one seed differ")
	}
}

func TestSaveLoadAndVersionChecks(t *testing.T) {
	lists := synthetic(40)
	m, err := Train(lists, TrainConfig{Seed: 1, Epochs: 2, Members: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ensemble) != 2 {
		t.Fatalf("3 members asked, model has %d besides the first", len(m.Ensemble))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.json")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lists[0].feats {
		a := m.Score(lists[0].feats[i], nil)
		b := l.Score(lists[0].feats[i], nil)
		if a != b {
			t.Fatalf("candidate %d: %v before save, %v after", i, a, b)
		}
	}
	raw, _ := os.ReadFile(path)
	for name, edit := range map[string]func(string) string{
		"version":  func(s string) string { return strings.Replace(s, `"format_version":1`, `"format_version":99`, 1) },
		"features": func(s string) string { return strings.Replace(s, `"bm25_norm"`, `"bm25_raw"`, 1) },
	} {
		p := filepath.Join(dir, name+".json")
		_ = os.WriteFile(p, []byte(edit(string(raw))), 0o644)
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "retrain") {
			t.Errorf("%s mismatch: %v", name, err)
		}
	}
}

func TestKernelGradientMatchesFiniteDifferences(t *testing.T) {
	k := &knrm{dim: 3, emb: []float64{0.9, 0.1, 0.2, 0.7, 0.6, 0.1, 0.2, 0.9, 0.3, 0.5, 0.5, 0.5}}
	q := []int{0, 3}
	d := bag{ids: []int{1, 2, 3}, counts: []float64{1, 2, 1}}
	dOut := []float64{0, 0.3, -0.7, 1.1, 0.2, -0.4}
	objective := func() float64 {
		f := k.forward(q, d, nil)
		s := 0.0
		for i := range f {
			s += f[i] * dOut[i]
		}
		return s
	}
	var tr knrmTrace
	k.forward(q, d, &tr)
	grad := map[int][]float64{}
	k.backward(&tr, dOut, grad)
	for row := 0; row < 4; row++ {
		for x := 0; x < 3; x++ {
			i := row*3 + x
			old := k.emb[i]
			k.emb[i] = old + 1e-6
			up := objective()
			k.emb[i] = old - 1e-6
			down := objective()
			k.emb[i] = old
			num := (up - down) / 2e-6
			got := 0.0
			if g := grad[row]; g != nil {
				got = g[x]
			}
			if math.Abs(num-got) > 1e-4*math.Max(1, math.Abs(num)) {
				t.Fatalf("row %d dim %d: analytic %.6f, numeric %.6f", row, x, got, num)
			}
		}
	}
}

type fixedStats struct{}

func (fixedStats) DocFreqs(_ context.Context, terms []string) (map[string]uint64, uint64, error) {
	out := map[string]uint64{}
	for _, t := range terms {
		out[t] = 10
	}
	return out, 1000, nil
}

// BenchmarkRerank100 times re-ranking 100 candidates of 72 words on one
// core, passages analyzed afresh each time (a cold cache).
func BenchmarkRerank100(b *testing.B) {
	var cands []retriever.Candidate
	for i := 0; i < 100; i++ {
		var t strings.Builder
		for s := 0; s < 6; s++ {
			fmt.Fprintf(&t, "Sentence %d of passage %d mentions the river Thames and London in %d. ", s, i, 1900+i)
		}
		cands = append(cands, benchCandidate(i, corpus.Passage{ID: fmt.Sprint(i), Title: "London", Text: t.String()}))
	}
	benchRerank(b, "When did the Thames flood London?", cands)
}

// BenchmarkRerank100Real times re-ranking 100 real passages for a real
// question on one core, passages analyzed afresh each time (word stems stay
// cached after the first round, as in a running server): the first NQ
// gold passages, Wikipedia cut as in DPR's collection (79 words on
// average), or with SHOULDERS_BENCH_PASSAGES=squad the first SQuAD dev
// paragraphs (115 words on average, up to 337).
func BenchmarkRerank100Real(b *testing.B) {
	var cands []retriever.Candidate
	errFull := errors.New("full")
	path, format, question := filepath.Join(testenv.SharedData(b), "nq", "nq-open-oracle.jsonl.gz"), corpus.NQ, "who sang the theme song for the tv show friends"
	if os.Getenv("SHOULDERS_BENCH_PASSAGES") == "squad" {
		path, format, question = filepath.Join(testenv.SharedData(b), "squad", "dev-v1.1.json.gz"), corpus.SQuAD, "Which NFL team represented the AFC at Super Bowl 50?"
	}
	_, err := corpus.ReadFile(context.Background(), path, format, func(d corpus.Document) error {
		cands = append(cands, benchCandidate(len(cands), corpus.Passage{ID: d.ID, DocID: d.ID, Title: d.Title, Text: d.Text}))
		if len(cands) == 100 {
			return errFull
		}
		return nil
	})
	if !errors.Is(err, errFull) {
		b.Fatalf("reading %s: %v (%d passages)", path, err, len(cands))
	}
	benchRerank(b, question, cands)
}

// benchCandidate is p as BM25's candidate at 0-based rank i.
func benchCandidate(i int, p corpus.Passage) retriever.Candidate {
	return retriever.Candidate{Passage: p, Rank: i + 1, Score: float64(100 - i),
		Sources: []retriever.Source{{Retriever: "bm25", Rank: i + 1, Score: float64(100 - i)}}}
}

// benchRerank times the shipped model re-ranking cands for question, with
// a fresh passage cache each time.
func benchRerank(b *testing.B, question string, cands []retriever.Candidate) {
	m, err := Load(filepath.Join("..", "..", DefaultModelPath))
	if err != nil {
		b.Fatal(err)
	}
	lex, err := WordNet()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &Reranker{Model: m, Lexicon: lex}
		if _, err := r.Rerank(context.Background(), "c", fixedStats{}, question, cands); err != nil {
			b.Fatal(err)
		}
	}
}

// A feature constant in training (dense scores when training saw BM25
// candidates only) must not change scores when it varies later.
func TestUnseenFeatureIsIgnored(t *testing.T) {
	lists := synthetic(40)
	m, err := Train(lists, TrainConfig{Seed: 1, Epochs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.Std[2] != 0 {
		t.Fatalf("dense_sim was constant in training, std %v", m.Std[2])
	}
	f := append([]float64(nil), lists[0].feats[0]...)
	base := m.score(m.input(f, nil), nil)
	f[2], f[3] = 0.9, 1
	if got := m.score(m.input(f, nil), nil); got != base {
		t.Fatalf("score moved from %v to %v on a feature never seen varying", base, got)
	}
}

// A document re-ingested under the same ID keeps its passage IDs; the
// re-ranker must score and excerpt the text it is given now, not the
// text it analyzed before under that ID.
func TestRerankReadsTheTextItIsGivenNow(t *testing.T) {
	m, err := Load(filepath.Join("..", "..", DefaultModelPath))
	if err != nil {
		t.Fatal(err)
	}
	lex, err := WordNet()
	if err != nil {
		t.Fatal(err)
	}
	const question = "What do keepers feed lions?"
	lions := func(food string) []retriever.Candidate {
		return []retriever.Candidate{
			benchCandidate(0, corpus.Passage{ID: "lions.md#0", Title: "Lion care", Text: "Lions at the park sleep most of the day in the shade of the old oak trees near the pond. " +
				"The keepers feed lions " + food + " on Mondays, weighing each portion. Visitors may watch the feeding from the north deck."}),
			benchCandidate(1, corpus.Passage{ID: "zebras.md#0", Title: "Zebra care", Text: "Zebras at the park graze in the east meadow. Keepers check their hooves every week."}),
		}
	}
	r := &Reranker{Model: m, Lexicon: lex}
	before, err := r.Rerank(context.Background(), "c", fixedStats{}, question, lions("raw beef"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(before[0].Excerpts, " "), "raw beef") {
		t.Fatalf("excerpts of the first text: %q", before[0].Excerpts)
	}
	after, err := r.Rerank(context.Background(), "c", fixedStats{}, question, lions("frozen fish and a little salt"))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := (&Reranker{Model: m, Lexicon: lex}).Rerank(context.Background(), "c", fixedStats{}, question, lions("frozen fish and a little salt"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range after {
		if after[i].Passage.ID != fresh[i].Passage.ID || after[i].Score != fresh[i].Score || strings.Join(after[i].Excerpts, "|") != strings.Join(fresh[i].Excerpts, "|") {
			t.Errorf("candidate %d: %s %.6f %q after an update, %s %.6f %q analyzed afresh", i,
				after[i].Passage.ID, after[i].Score, after[i].Excerpts, fresh[i].Passage.ID, fresh[i].Score, fresh[i].Excerpts)
		}
	}
	if ex := strings.Join(after[0].Excerpts, " "); strings.Contains(ex, "raw beef") || !strings.Contains(ex, "frozen fish") {
		t.Errorf("excerpts quote text the passage no longer holds: %q", after[0].Excerpts)
	}
}
