package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Span is a byte range [Start, End) of a text.
type Span struct{ Start, End int }

// abbreviations that end in a period without ending a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "vs": true, "etc": true, "e.g": true, "i.e": true, "no": true, "fig": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "u.s": true, "u.k": true, "mt": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true, "approx": true, "ca": true,
	"gen": true, "gov": true, "col": true, "lt": true, "sgt": true, "capt": true, "rev": true,
}

// Sentences splits text into sentence spans. A sentence ends at '.', '!'
// or '?' (with closing quotes or brackets) followed by white space and an
// upper-case letter, digit or opening quote, unless the word before the
// period is a known abbreviation or a single initial; a blank line always
// ends one. Spans exclude surrounding white space.
func Sentences(text string) []Span {
	var out []Span
	start := -1
	emit := func(end int) {
		if start < 0 {
			return
		}
		s := strings.TrimRightFunc(text[start:end], unicode.IsSpace)
		if s != "" {
			out = append(out, Span{start, start + len(s)})
		}
		start = -1
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if start < 0 {
			if unicode.IsSpace(r) {
				i += size
				continue
			}
			start = i
		}
		switch {
		case r == '\n' && blankLineAt(text, i+size):
			emit(i)
		case r == '.' || r == '!' || r == '?':
			j := i + size
			for j < len(text) && strings.ContainsRune(`"')]’”`, rune(text[j])) {
				j++
			}
			if j >= len(text) || !isSpaceByte(text[j]) {
				break
			}
			k := j
			for k < len(text) && isSpaceByte(text[k]) {
				k++
			}
			if k < len(text) {
				nr, _ := utf8.DecodeRuneInString(text[k:])
				if !(unicode.IsUpper(nr) || unicode.IsDigit(nr) || strings.ContainsRune(`"'(“‘[`, nr)) {
					break
				}
			}
			if r == '.' && isAbbreviation(text[start:i]) {
				break
			}
			emit(j)
			i = j
			continue
		}
		i += size
	}
	emit(len(text))
	return out
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

func blankLineAt(text string, i int) bool {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
		i++
	}
	return i < len(text) && text[i] == '\n'
}

// isAbbreviation looks at the last word of the sentence so far.
func isAbbreviation(before string) bool {
	k := strings.LastIndexFunc(before, unicode.IsSpace)
	w := strings.ToLower(strings.TrimLeft(before[k+1:], `"'([`))
	if utf8.RuneCountInString(w) == 1 {
		return unicode.IsLetter([]rune(w)[0]) // an initial, as in "J. R. R. Tolkien"
	}
	return abbreviations[w]
}
