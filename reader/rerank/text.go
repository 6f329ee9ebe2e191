package rerank

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// A doc is a passage analyzed once for every feature.
type doc struct {
	terms     []string // analyzed terms of the text, in order
	title     []string // analyzed terms of the title
	titleSet  map[string]bool
	titleRaw  string
	titleName []string   // the title's name, before its kind in parentheses
	titleKind []string   // that kind: "novel" in "Small Steps (novel)"
	sentences [][]string // analyzed terms per sentence
	text      string
	spans     []corpus.Span // of each sentence in text
	tf        map[string]int
	words     int
}

// analyze analyzes a passage; titleTerms, when set, analyzes its title
// (the passages of one document share it, so it is worth remembering).
func analyze(p corpus.Passage, titleTerms func(string) []string) *doc {
	if titleTerms == nil {
		titleTerms = index.Terms
	}
	d := &doc{title: titleTerms(p.Title), titleRaw: p.Title, words: countWords(p.Text), text: p.Text}
	if name, kind, ok := splitTitle(p.Title); ok {
		d.titleName, d.titleKind = titleTerms(name), titleTerms(kind)
	} else {
		d.titleName = d.title
	}
	// One analysis of the whole text, cut at sentence boundaries.
	terms, starts := index.TermsAt(p.Text)
	d.terms = terms
	d.spans = corpus.Sentences(p.Text)
	d.sentences = make([][]string, len(d.spans))
	i := 0
	for k, sp := range d.spans {
		j := i
		for j < len(terms) && starts[j] < sp.End {
			j++
		}
		d.sentences[k] = terms[i:j:j]
		i = j
	}
	d.titleSet = make(map[string]bool, len(d.title))
	for _, t := range d.title {
		d.titleSet[t] = true
	}
	d.tf = make(map[string]int, len(d.terms))
	for _, t := range d.terms {
		d.tf[t]++
	}
	return d
}

// splitTitle parts a title ending in a parenthesized kind, as
// Wikipedia's disambiguated titles do: "Buffy the Vampire Slayer (film)".
func splitTitle(t string) (name, kind string, ok bool) {
	t = strings.TrimSpace(t)
	i := strings.LastIndex(t, " (")
	if i <= 0 || !strings.HasSuffix(t, ")") {
		return t, "", false
	}
	return t[:i], t[i+2 : len(t)-1], true
}

// sentence is the raw text of sentence i.
func (d *doc) sentence(i int) string { return d.text[d.spans[i].Start:d.spans[i].End] }

// isSep separates the words of a sentence.
func isSep(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;:()\"“”[]", r) }

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func splitWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// countWords counts white-space separated words without building them.
// ASCII bytes are judged by a table; only other runes are decoded. A
// word starts where a space is followed by something else: counted by
// arithmetic rather than a branch, which would be mispredicted at every
// word.
func countWords(s string) int {
	n, prev := 0, uint8(1) // 1: the text starts as after a space
	for i := 0; i < len(s); {
		var space uint8
		if c := s[i]; c < utf8.RuneSelf {
			space = asciiSpace[c]
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				space = 1
			}
			i += size
		}
		n += int(prev &^ space)
		prev = space
	}
	return n
}

// asciiSpace is 1 for the ASCII bytes unicode.IsSpace accepts.
var asciiSpace = [utf8.RuneSelf]uint8{'\t': 1, '\n': 1, '\v': 1, '\f': 1, '\r': 1, ' ': 1}
