package corpus

import (
	"regexp"
	"strings"
)

var articles = regexp.MustCompile(`\b(a|an|the)\b`)

// NormalizeAnswer applies the SQuAD answer normalization: lower case, ASCII
// punctuation removed, the articles a/an/the removed, white space
// collapsed. It matches normalize_answer of the official evaluation script.
func NormalizeAnswer(s string) string {
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
