package eval

import (
	"regexp"
	"strings"

	"github.com/shoulders-qa/shoulders/corpus"
)

// An AnswerMatcher tells whether a text contains one of a question's gold
// answers: normalized strings matched on token boundaries (the SQuAD and
// DPR convention), or regular expressions (CuratedTREC).
type AnswerMatcher struct {
	norms []string
	res   []*regexp.Regexp
}

// NewAnswerMatcher builds a matcher for answers. With regex set, each
// answer is a case-insensitive regular expression; an invalid one is an error.
func NewAnswerMatcher(answers []string, regex bool) (*AnswerMatcher, error) {
	m := &AnswerMatcher{}
	for _, a := range answers {
		if regex {
			re, err := regexp.Compile("(?i)" + a)
			if err != nil {
				return nil, err
			}
			m.res = append(m.res, re)
			continue
		}
		if n := corpus.NormalizeAnswer(a); n != "" {
			m.norms = append(m.norms, " "+n+" ")
		}
	}
	return m, nil
}

// Match reports whether text contains an answer.
func (m *AnswerMatcher) Match(text string) bool {
	if len(m.res) > 0 {
		for _, re := range m.res {
			if re.MatchString(text) {
				return true
			}
		}
		return false
	}
	return m.MatchNormalized(" " + corpus.NormalizeAnswer(text) + " ")
}

// MatchNormalized is Match for text already normalized and padded with a
// space at each end, so callers scoring many answers against one passage
// normalize it once. Regex answers need the raw text: use Match.
func (m *AnswerMatcher) MatchNormalized(padded string) bool {
	for _, n := range m.norms {
		if strings.Contains(padded, n) {
			return true
		}
	}
	return false
}

// HasAnswer is the one-off form of AnswerMatcher.Match for plain answers.
func HasAnswer(text string, answers []string) bool {
	m, _ := NewAnswerMatcher(answers, false)
	return m.Match(text)
}
