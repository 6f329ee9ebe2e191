package eval

import (
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
)

func TestRelevance(t *testing.T) {
	guide := corpus.Passage{ID: "guide.md#2", DocID: "guide.md", Text: "Set SHOULDERS_LM_URL to the server."}
	other := corpus.Passage{ID: "guide.md#3", DocID: "guide.md", Text: "Packing fills the budget."}
	notes := corpus.Passage{ID: "notes.md#0", DocID: "notes.md", Text: "The LM is set by SHOULDERS_LM_URL."}

	byPassage, _ := NewRelevance(corpus.Question{Text: "How is the LM set?", RelevantIDs: []string{"guide.md#2"}})
	byDoc, _ := NewRelevance(corpus.Question{Text: "How is the LM set?", RelevantIDs: []string{"guide.md"}})
	byAnswer, _ := NewRelevance(corpus.Question{Text: "How is the LM set?", Answers: []string{"shoulders_lm_url"}})
	both, _ := NewRelevance(corpus.Question{Text: "How is the LM set?", Answers: []string{"SHOULDERS_LM_URL"}, RelevantIDs: []string{"guide.md#3"}})
	for _, c := range []struct {
		name string
		r    *Relevance
		p    corpus.Passage
		want bool
	}{
		{"labelled passage", byPassage, guide, true},
		{"unlabelled passage of the same document", byPassage, other, false},
		{"any passage of a labelled document", byDoc, other, true},
		{"passage of another document", byDoc, notes, false},
		{"answer in another document", byAnswer, notes, true},
		{"no answer", byAnswer, other, false},
		{"labelled without the answer", both, other, true},
		{"answer without a label", both, notes, true},
	} {
		if got := c.r.Passage(c.p); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// An excerpt is checked against answer strings when there are any.
	if byAnswer.Excerpt("Packing fills the budget.") || !byAnswer.Excerpt("set SHOULDERS_LM_URL") || !byPassage.Excerpt("anything") {
		t.Error("excerpt judged wrongly")
	}
	if _, err := NewRelevance(corpus.Question{Answers: []string{"("}, Regex: true}); err == nil {
		t.Error("an invalid answer expression was accepted")
	}
}
