package eval

import "github.com/shoulders-qa/shoulders/corpus"

// A Relevance tells whether a passage answers a question: it holds one of
// the gold answers, or it or its document is among the question's
// relevant ids (data labelled by hand rather than with answer strings).
type Relevance struct {
	answers *AnswerMatcher // nil without answers
	ids     map[string]bool
}

// NewRelevance builds the judge of q's passages; an invalid answer
// expression is an error.
func NewRelevance(q corpus.Question) (*Relevance, error) {
	r := &Relevance{}
	if len(q.Answers) > 0 {
		m, err := NewAnswerMatcher(q.Answers, q.Regex)
		if err != nil {
			return nil, err
		}
		r.answers = m
	}
	if len(q.RelevantIDs) > 0 {
		r.ids = make(map[string]bool, len(q.RelevantIDs))
		for _, id := range q.RelevantIDs {
			r.ids[id] = true
		}
	}
	return r, nil
}

// Passage reports whether p answers the question.
func (r *Relevance) Passage(p corpus.Passage) bool {
	if r.ids[p.ID] || r.ids[p.DocID] {
		return true
	}
	return r.answers != nil && r.answers.Match(p.Text)
}

// Excerpt reports whether text, a part of a relevant passage, still
// answers the question. Only answer strings can tell which part of a
// passage matters; with ids alone the excerpt counts as its passage does.
func (r *Relevance) Excerpt(text string) bool {
	return r.answers == nil || r.answers.Match(text)
}

// HasAnswers tells whether the question has answer strings to check text
// against.
func (r *Relevance) HasAnswers() bool { return r.answers != nil }
