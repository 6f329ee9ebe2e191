package eval

import (
	"regexp"
	"strings"
)

var articles = regexp.MustCompile(`\b(a|an|the)\b`)

// Normalize applies the SQuAD answer normalization: lower case, ASCII
// punctuation removed, the articles a/an/the removed, white space
// collapsed. It matches normalize_answer of the official evaluation script.
func Normalize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 128 && isASCIIPunct(byte(r)) {
			continue
		}
		b.WriteRune(r)
	}
	s = articles.ReplaceAllString(b.String(), " ")
	return strings.Join(strings.Fields(s), " ")
}

func isASCIIPunct(c byte) bool {
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~')
}

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
		if n := Normalize(a); n != "" {
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
	return m.MatchNormalized(" " + Normalize(text) + " ")
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

// StripCitations removes passage citations such as "[2]" or "[1, 3]" from
// a generated answer before it is scored.
func StripCitations(s string) string {
	return strings.TrimSpace(citations.ReplaceAllString(s, ""))
}

var citations = regexp.MustCompile(`\s*\[\s*\d+\s*(?:[,;]\s*\d+\s*)*\]`)
