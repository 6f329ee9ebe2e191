package rerank

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// listFeats computes the features of hand-made passages as one list.
func listFeats(t *testing.T, lex *Lexicon, question string, passages ...corpus.Passage) []map[string]float64 {
	t.Helper()
	q := newQuery(question, index.Terms(question), uniformIDF, lex)
	var docs []*doc
	var cands []retriever.Candidate
	for i, p := range passages {
		p.ID = fmt.Sprintf("p#%d", i)
		docs = append(docs, analyze(p, nil))
		cands = append(cands, retriever.Candidate{Passage: p, Rank: i + 1, Sources: []retriever.Source{{Retriever: "bm25", Rank: i + 1, Score: 1}}})
	}
	var out []map[string]float64
	feats, _ := listFeatures(q, docs, cands)
	for _, f := range feats {
		m := map[string]float64{}
		for i, n := range FeatureNames {
			m[n] = f[i]
		}
		out = append(out, m)
	}
	return out
}

func TestListLevelFeatures(t *testing.T) {
	// Every candidate names Luther: only "Turks" tells them apart, so it
	// carries the local weight, and the passage without it misses the
	// list's rarest term.
	f := listFeats(t, nil, "What did Luther think of the Turks?",
		corpus.Passage{Title: "Martin Luther", Text: "Luther saw the Turks as a scourge."},
		corpus.Passage{Title: "Martin Luther", Text: "Luther wrote hymns."},
		corpus.Passage{Title: "Martin Luther", Text: "Luther married in 1525."},
		corpus.Passage{Title: "Ottoman Turks", Text: "Luther thought little of Rome."})
	if f[0]["cover_local"] != 1 || f[1]["cover_local"] >= 0.3 || f[0]["cover_idf"] != f[3]["cover_idf"]+1.0/3 {
		t.Fatalf("local weights: %v / %v", f[0], f[1])
	}
	if f[0]["missing_rarest_local"] != 0 || f[1]["missing_rarest_local"] != 1 {
		t.Fatalf("missing rarest: %v / %v", f[0]["missing_rarest_local"], f[1]["missing_rarest_local"])
	}
	if f[0]["title_share"] != 0.75 || f[3]["title_share"] != 0.25 {
		t.Fatalf("title share: %v, %v", f[0]["title_share"], f[3]["title_share"])
	}
	// "Luther" is in three of four titles, "Turks" in one: the rare title
	// match weighs more, though both cover a third of the question.
	if f[0]["cover_title"] != f[3]["cover_title"] || f[3]["cover_title_local"] <= 0.5 || f[0]["cover_title_local"] >= 0.5 {
		t.Fatalf("title weights: %v / %v", f[0], f[3])
	}

	typo := listFeats(t, nil, "When did Luther write to Melanchhon?",
		corpus.Passage{Title: "Luther", Text: "Luther wrote to Melanchthon in 1521."})
	if typo[0]["cover_fuzzy"] <= typo[0]["cover_idf"] {
		t.Fatalf("a misspelt name should match within one edit: %v", typo[0])
	}
}

func TestWithinOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"melanchhon", "melanchthon", true}, {"geegen", "gegeen", true}, {"fresno", "fresco", true},
		{"fresno", "fres", false}, {"prime", "crime", true}, {"abcdef", "badcef", false}, {"house", "mouse", true},
		{"house", "houses", true}, {"houses", "house", true}, {"cat", "cut", false},
	} {
		if got := withinOneEdit(c.a, c.b); got != c.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// relates says whether the term of word a is related to that of word b
// by the relation rel.
func relates(rel func(string) iter.Seq[string], a, b string) bool {
	return slices.Contains(slices.Collect(rel(index.Terms(a)[0])), index.Terms(b)[0])
}

func TestWordNetRelatesParaphrases(t *testing.T) {
	lex, err := WordNet()
	if err != nil {
		t.Fatalf("WordNet 3.0 is needed (Debian's wordnet-base, installed by .ci/run): %v", err)
	}
	if lex.Size() < 20000 {
		t.Fatalf("only %d terms with relations", lex.Size())
	}
	rel := func(a, b string) bool { return relates(lex.Related, a, b) }
	for _, p := range [][2]string{{"built", "construct"}, {"established", "founded"}, {"begin", "start"}, {"death", "die"}, {"wrote", "write"}, {"purchase", "buy"}} {
		if !rel(p[0], p[1]) {
			t.Errorf("%q should relate to %q", p[0], p[1])
		}
	}
	if rel("begin", "banana") || rel("death", "build") {
		t.Error("unrelated words relate")
	}

	// The temple was constructed, the question asks who built it: the
	// relation counts as a match of "built".
	f := listFeats(t, lex, "Who built the temple?",
		corpus.Passage{Title: "Temple", Text: "The temple was constructed under Solomon."},
		corpus.Passage{Title: "Temple", Text: "The temple stands on a hill."})
	if f[0]["cover_syn"] <= f[0]["cover_local"] || f[1]["cover_syn"] != f[1]["cover_local"] {
		t.Fatalf("synonym coverage: %v / %v", f[0], f[1])
	}
	if f[0]["best_sentence_syn"] <= f[1]["best_sentence_syn"] {
		t.Fatalf("best sentence with synonyms: %v / %v", f[0]["best_sentence_syn"], f[1]["best_sentence_syn"])
	}
}

// WordNet's phrases relate several words to one: the question's "last
// name" is the passage's "surname", its "uk" the "United Kingdom".
func TestWordNetPhrases(t *testing.T) {
	lex, err := WordNet()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		question, hit, miss string
	}{
		{"where does the last name orozco come from", "Orozco is a surname of Basque origin.", "Orozco is a town of Basque origin."},
		{"when was national service abolished in the uk", "National service in the United Kingdom ended in 1960.", "National service in the United Provinces ended in 1960."},
		{"when did they start vaccinating for whooping cough", "Vaccination against pertussis started in the 1940s.", "Vaccination against measles started in the 1960s."},
	} {
		f := listFeats(t, lex, c.question, corpus.Passage{Title: "A", Text: c.hit}, corpus.Passage{Title: "B", Text: c.miss})
		if f[0]["cover_syn"] <= f[0]["cover_local"] || f[0]["best_sentence_syn"] <= f[1]["best_sentence_syn"] {
			t.Errorf("%q: the phrase did not match: %v / %v", c.question, f[0], f[1])
		}
		if f[1]["cover_syn"] != f[1]["cover_local"] {
			t.Errorf("%q: %q matched through a relative", c.question, c.miss)
		}
	}
	// The title's words stand in for the sentence's, relatives too: the
	// award the sentence names is the title's "Most Valuable Player".
	f := listFeats(t, lex, "who won the most mvp awards in the nba",
		corpus.Passage{Title: "NBA Most Valuable Player Award", Text: "Kareem Abdul-Jabbar won the award a record six times."},
		corpus.Passage{Title: "NBA Rookie of the Year Award", Text: "Wilt Chamberlain won the award in 1960."},
		corpus.Passage{Title: "NBA All-Star Game", Text: "Kobe Bryant was named the game's Most Valuable Player four times."})
	if f[0]["best_sentence_syn"] <= f[1]["best_sentence_syn"] {
		t.Errorf("the title's phrase did not count: %v / %v", f[0]["best_sentence_syn"], f[1]["best_sentence_syn"])
	}
	// A phrase whose words the other holds adds nothing: "natural gas"
	// is not found by "gas" alone.
	f = listFeats(t, lex, "where is natural gas found", corpus.Passage{Title: "A", Text: "Gas is found under the sea."})
	if f[0]["cover_syn"] != f[0]["cover_local"] {
		t.Errorf("natural gas matched gas: %v", f[0])
	}
}

func TestWordNetErrors(t *testing.T) {
	if _, err := LoadWordNet(t.TempDir()); err == nil {
		t.Fatal("an empty folder loaded as WordNet")
	}
}

// A lazy re-ranker loads WordNet at its first question (or when warmed),
// not when it is made.
func TestLazyLexiconLoadsAtFirstQuestion(t *testing.T) {
	m, err := Train(synthetic(20), TrainConfig{Seed: 1, Epochs: 1})
	if err != nil {
		t.Fatal(err)
	}
	m.Lexicon = LexiconWordNet
	warned := 0
	r := NewLazy(m, func(error) { warned++ })
	if r.Lexicon != nil {
		t.Fatal("loaded before any question")
	}
	cands := []retriever.Candidate{{Passage: corpus.Passage{ID: "a", Title: "Temple", Text: "The temple was constructed under Solomon."}, Rank: 1,
		Sources: []retriever.Source{{Retriever: "bm25", Rank: 1, Score: 2}}}}
	if _, err := r.Rerank(context.Background(), "c", fixedStats{}, "Who built the temple?", cands); err != nil {
		t.Fatal(err)
	}
	if r.Lexicon == nil || warned != 0 {
		t.Fatalf("after a question: lexicon %v, %d warnings", r.Lexicon != nil, warned)
	}
}

// Warm loads WordNet ahead of any question, and only for a model that
// uses it.
func TestWarmLoadsTheLexiconTheModelUses(t *testing.T) {
	train := func() *Model {
		m, err := Train(synthetic(20), TrainConfig{Seed: 1, Epochs: 1})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	plain := NewLazy(train(), nil)
	ForStore{R: plain}.Warm()
	if plain.Lexicon != nil {
		t.Fatal("a model trained without WordNet loaded it")
	}
	m := train()
	m.Lexicon = LexiconWordNet
	warned := 0
	r := NewLazy(m, func(error) { warned++ })
	ForStore{R: r}.Warm()
	if r.Lexicon == nil || warned != 0 {
		t.Fatalf("after Warm: lexicon %v, %d warnings", r.Lexicon != nil, warned)
	}
}

// A passage's excerpts are its sentence holding the most of the question
// (the title's terms standing in for a pronoun) with its neighbour that
// holds more, then that sentence alone; passages of one sentence and
// passages matching nothing get none.
func TestExcerpts(t *testing.T) {
	lex, err := WordNet()
	if err != nil {
		t.Fatal(err)
	}
	excerptsOf := func(question string, passages ...corpus.Passage) [][]string {
		q := newQuery(question, index.Terms(question), uniformIDF, lex)
		var docs []*doc
		for _, p := range passages {
			docs = append(docs, analyze(p, nil))
		}
		q.local(docs)
		var out [][]string
		for _, d := range docs {
			out = append(out, excerpts(q, d, q.hitsOf(d)))
		}
		return out
	}
	luther := corpus.Passage{Title: "Martin Luther", Text: "Luther was born in Eisleben. His father owned a copper mine. " +
		"He studied law at Erfurt. In 1505 he was caught in a thunderstorm. He then entered a monastery. He later taught at Wittenberg."}
	got := excerptsOf("Why did Luther enter the monastery after the thunderstorm?", luther,
		corpus.Passage{Title: "Erfurt", Text: "Erfurt is a city."},
		corpus.Passage{Title: "Weather", Text: "Storms are common. Rain falls. Wind blows."})
	want := []string{"In 1505 he was caught in a thunderstorm. He then entered a monastery.", "He then entered a monastery."}
	if strings.Join(got[0], "|") != strings.Join(want, "|") {
		t.Fatalf("excerpts %q", got[0])
	}
	if got[1] != nil || got[2] != nil {
		t.Fatalf("a one-sentence or unmatched passage got excerpts %q", got[1:])
	}
	// Asked "when", a sentence with a year beats one holding a little
	// more of the question; asked "where", it does not.
	erfurt := corpus.Passage{Title: "Martin Luther", Text: "Luther entered the monastery at Erfurt with great fear. In 1505 Luther entered the monastery."}
	got = excerptsOf("When did Luther enter the monastery at Erfurt?", erfurt)
	if len(got[0]) != 1 || got[0][0] != "In 1505 Luther entered the monastery." {
		t.Fatalf("when-excerpts %q", got[0])
	}
	got = excerptsOf("Where did Luther enter the monastery at Erfurt?", erfurt)
	if len(got[0]) != 1 || got[0][0] != "Luther entered the monastery at Erfurt with great fear." {
		t.Fatalf("where-excerpts %q", got[0])
	}
	// A relative counts ("purchased" stands for "bought"), and a passage
	// of two sentences offers its best one only.
	got = excerptsOf("What did the king buy?", corpus.Passage{Title: "Land", Text: "The land was wide. The king purchased a horse."})
	if len(got[0]) != 1 || got[0][0] != "The king purchased a horse." {
		t.Fatalf("excerpts with relatives %q", got[0])
	}
	// Where only the title holds the question's terms (which other
	// candidates hold in their text), every sentence would tie and the
	// first (here a heading) would be chosen: the passage offers no
	// excerpt rather than one that says nothing asked.
	ranker := corpus.Passage{Title: "The re-ranker", Text: "Using it\n\nTrain it with make train. Ask with rerank on. The model file is versioned."}
	other := corpus.Passage{Title: "Evaluation", Text: "The re-ranker is measured here. Answers are counted."}
	got = excerptsOf("What does the re-ranker learn from?", ranker, other, other)
	if got[0] != nil {
		t.Fatalf("a passage matched by its title alone got excerpts %q", got[0])
	}
	got = excerptsOf("How is the re-ranker trained?", ranker, other, other)
	if len(got[0]) != 2 || got[0][1] != "Train it with make train." {
		t.Fatalf("excerpts of a passage also matched by its text %q", got[0])
	}
	// "ranks" stands for "ranker", which the title holds too: the heading
	// ties with that sentence through the title, and loses to it.
	looks := corpus.Passage{Title: "The re-ranker", Text: "What it looks at\n\nThe features come first. Scores and ranks of each stage are read."}
	got = excerptsOf("What does the re-ranker learn from?", looks, other, other)
	if len(got[0]) != 2 || got[0][1] != "Scores and ranks of each stage are read." {
		t.Fatalf("a heading tied through the title %q", got[0])
	}
	// A heading that holds the question in its own words, and holds it
	// best, is still no excerpt: the section's sentences are.
	team := corpus.Passage{Title: "Operations", Text: "Running Shoulders for a team\n\nKeys are created with shoulders keys create. Each has a scope."}
	got = excerptsOf("What is Shoulders for a team?", team, other, other)
	if len(got[0]) != 2 || got[0][1] != "Keys are created with shoulders keys create." {
		t.Fatalf("a heading holding the question %q", got[0])
	}
	// Nor does a passage offer an excerpt when only its heading holds the
	// question.
	got = excerptsOf("What is a team?", team, other, other)
	if got[0] != nil {
		t.Fatalf("a passage matched by its heading alone got excerpts %q", got[0])
	}
}

// Training with known answers measures how often the excerpts of an
// answer-bearing passage keep the answer, and the model carries it.
func TestExcerptRecallIsMeasured(t *testing.T) {
	lex, err := WordNet()
	if err != nil {
		t.Fatal(err)
	}
	kept := "The tower was finished in 1889. It stands by the river. Tourists climb it every day."
	lost := "The tower was finished after the war. Tourists climb it every day. Its builders left in 1889."
	var ex []Example
	for i := 0; i < 12; i++ {
		var cands []retriever.Candidate
		for j, text := range []string{kept, lost, "Bridges cross the river. Boats pass below. Nothing else."} {
			cands = append(cands, retriever.Candidate{Passage: corpus.Passage{ID: fmt.Sprint(i, j), Title: "Tower", Text: text}, Rank: j + 1})
		}
		ex = append(ex, Example{Question: "When was the tower finished?", Collection: "c", Candidates: cands,
			Relevant: []bool{true, true, false}, Holds: func(s string) bool { return strings.Contains(s, "1889") }})
	}
	lists, err := BuildLists(context.Background(), func(string) (Stats, error) { return fixedStats{}, nil }, ex, lex, 1<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(lists, TrainConfig{Seed: 1, Epochs: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The first passage's best sentence holds the answer; the second's
	// ("The tower was finished after the war.") does not, and its year
	// sentence holds too little of the question to take its place.
	if len(m.ExcerptRecall) != 2 || m.ExcerptRecall[0] != 0.5 || m.ExcerptRecall[1] != 0.5 {
		t.Fatalf("excerpt recall %v", m.ExcerptRecall)
	}
	for i := range ex {
		ex[i].Holds = nil
	}
	lists, err = BuildLists(context.Background(), func(string) (Stats, error) { return fixedStats{}, nil }, ex, lex, 1<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := Train(lists, TrainConfig{Seed: 1, Epochs: 1}); err != nil || m.ExcerptRecall != nil {
		t.Fatalf("without answers: recall %v, %v", m.ExcerptRecall, err)
	}
}

// Definitions relate what no synonym list does: a surgeon is a
// physician, a husband is married, an assassin murders. They count in
// their own features, not in the synonym ones.
func TestWordNetDefinitions(t *testing.T) {
	lex, err := WordNet()
	if err != nil {
		t.Fatal(err)
	}
	defined := func(a, b string) bool { return relates(lex.Defined, a, b) }
	for _, p := range [][2]string{{"murdered", "assassin"}, {"assassin", "murdered"}, {"surgeon", "physician"}, {"husband", "married"}, {"pupil", "learner"}} {
		if !defined(p[0], p[1]) {
			t.Errorf("%q should relate to %q through a definition", p[0], p[1])
		}
	}
	// Words that define thousands of others relate none, and synonyms
	// stay with Related.
	if defined("twice", "time") || defined("built", "construct") {
		t.Error("a common or synonymous term relates through definitions")
	}
	f := listFeats(t, lex, "Who murdered the king?",
		corpus.Passage{Title: "King", Text: "The king was assassinated by his brother."},
		corpus.Passage{Title: "King", Text: "The king ruled for many years."},
		corpus.Passage{Title: "Town", Text: "A murder was reported in the town."})
	if f[0]["cover_def"] <= f[0]["cover_syn"] || f[0]["best_sentence_def"] <= f[1]["best_sentence_def"] {
		t.Errorf("definitions did not match: %v / %v", f[0], f[1])
	}
	if f[1]["cover_def"] != f[1]["cover_syn"] {
		t.Errorf("a passage without related words gained: %v", f[1])
	}
}
