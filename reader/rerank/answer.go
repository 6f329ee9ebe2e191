package rerank

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoulders-qa/shoulders/index"
)

// Question classes by what the answer is.
const (
	qOther = iota
	qWho
	qWhen
	qWhere
	qHowMany
	qWhat
)

// questionType classes a question by its first question word, so that
// "who was captain of the Mayflower when it sailed" asks for a name, not
// a date. A leading clause sets the scene and the question follows its
// comma: "When John Fox left, who replaced him?".
func questionType(q string) int {
	ws := splitWords(q)
	t, at := firstQuestionWord(ws)
	if at == 0 && (t == qWhen || t == qWhere) {
		if i := strings.IndexByte(q, ','); i > 0 {
			if t2, _ := firstQuestionWord(splitWords(q[i+1:])); t2 != qOther {
				return t2
			}
		}
	}
	return t
}

// firstQuestionWord finds the first question word of ws and its class,
// read with the word after it: "how many", "what year", "which city".
func firstQuestionWord(ws []string) (int, int) {
	for i, w := range ws {
		next := ""
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		switch w {
		case "how":
			switch next {
			case "many", "much", "long", "old", "far", "big", "large", "tall", "high":
				return qHowMany, i
			}
		case "who", "whom", "whose":
			return qWho, i
		case "when":
			return qWhen, i
		case "where":
			return qWhere, i
		case "what", "which":
			switch next {
			case "year", "date", "century", "decade", "month", "day", "era", "period":
				return qWhen, i
			case "country", "city", "state", "place", "town", "continent", "region":
				return qWhere, i
			case "percentage", "percent", "number", "amount":
				return qHowMany, i
			}
			return qWhat, i
		}
	}
	return qOther, -1
}

// cues counts what a sentence offers as an answer, beyond the question's
// own words: dates, other numbers, and capitalized names.
type cues struct {
	years, numbers, names int
}

func sentenceCues(raw string, qwords map[string]bool) cues {
	var c cues
	eachMaterial(raw, func(w string, k int) bool {
		if qwords[strings.ToLower(w)] {
			return true
		}
		switch k {
		case kindYear:
			c.years++
		case kindNumber:
			c.numbers++
		case kindName:
			c.names++
		}
		return true
	})
	return c
}

// hasMaterial says whether a sentence offers, beyond the question's own
// words, what a question of type qtype asks for; the first such word
// ends the scan, for the re-ranker's time.
func hasMaterial(raw string, qtype int, qwords map[string]bool) bool {
	found := false
	eachMaterial(raw, func(w string, k int) bool {
		var on bool
		switch qtype {
		case qWhen:
			on = k == kindYear
		case qHowMany:
			on = k == kindYear || k == kindNumber
		default:
			on = k == kindName
		}
		found = on && !qwords[strings.ToLower(w)]
		return !found
	})
	return found
}

// eachMaterial calls fn with each word of a sentence and what it offers
// as an answer, until fn returns false. Words are slices of raw, not
// copies. "century" after an ordinal ("the 10th century") is a date.
func eachMaterial(raw string, fn func(w string, kind int) bool) {
	first, prev := true, ""
	for len(raw) > 0 {
		i := strings.IndexFunc(raw, func(r rune) bool { return !isSep(r) })
		if i < 0 {
			return
		}
		raw = raw[i:]
		j := strings.IndexFunc(raw, isSep)
		if j < 0 {
			j = len(raw)
		}
		w := strings.Trim(raw[:j], ".!?'’")
		raw = raw[j:]
		if w == "" {
			continue
		}
		k := materialKind(w, first)
		if (w == "century" || w == "centuries" || w == "millennium") && isOrdinal(prev) {
			k = kindYear
		}
		first, prev = false, w
		if !fn(w, k) {
			return
		}
	}
}

// What a word offers as answer material.
const (
	kindNone = iota
	kindYear // a year, a decade, a month: what "when" asks for
	kindNumber
	kindName // capitalized, and not the sentence's first word
)

func materialKind(w string, first bool) int {
	w = strings.TrimLeft(w, "$£€¥") // "$40 million" is an amount
	if w == "" {
		return kindNone
	}
	r, _ := utf8.DecodeRuneInString(w)
	switch {
	case len(w) == 4 && allDigits(w) && (w[0] == '1' || w[0] == '2'):
		return kindYear
	case len(w) >= 4 && w[len(w)-1] == 's' && w[len(w)-2] == '0' && allDigits(w[:len(w)-1]): // "1920s"
		return kindYear
	case unicode.IsDigit(r):
		return kindNumber
	case unicode.IsUpper(r) && months[w]:
		return kindYear
	case unicode.IsUpper(r) && !first:
		return kindName
	}
	l := strings.ToLower(w)
	if i := strings.IndexByte(l, '-'); i > 0 { // "twenty-six", "two-thirds"
		l = l[:i]
	}
	if numberWords[l] {
		return kindNumber
	}
	return kindNone
}

// numberWords are the numbers answers spell out ("three", "twice"). "one"
// is left out: it is far more often a pronoun.
var numberWords = setOf("zero two three four five six seven eight nine ten eleven twelve thirteen fourteen " +
	"fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety " +
	"hundred hundreds thousand thousands million millions billion billions trillion dozen dozens twice thrice half")

var months = setOf("January February March April May June July August September October November December")

var ordinals = setOf("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth " +
	"thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth twenty-first")

// isOrdinal says whether w is an ordinal number: "10th", "3rd", "fifth".
func isOrdinal(w string) bool {
	if ordinals[strings.ToLower(w)] {
		return true
	}
	if len(w) < 3 || !unicode.IsDigit(rune(w[0])) {
		return false
	}
	switch w[len(w)-2:] {
	case "st", "nd", "rd", "th":
		return allDigits(w[:len(w)-2])
	}
	return false
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// countedUnit returns the stem of what a "how many" question counts,
// the word that follows the number in its answer: "season" of "how many
// seasons", answered by "26 seasons". A number alone is weaker evidence:
// many passages hold numbers of other things.
func countedUnit(ws []string) string {
	for i := 0; i+2 < len(ws); i++ {
		if ws[i] == "how" && (ws[i+1] == "many" || ws[i+1] == "much") {
			if ts := index.Terms(ws[i+2]); len(ts) == 1 {
				return ts[0]
			}
			return ""
		}
	}
	return ""
}

// counts says whether text holds a number followed, within two words, by
// unit: "three grounds" for "how many grounds".
func counts(text, unit string) bool {
	if unit == "" {
		return false
	}
	found, gap := false, 3
	eachMaterial(text, func(w string, k int) bool {
		if k == kindNumber || k == kindYear {
			gap = 0
			return true
		}
		gap++
		found = gap <= 2 && isUnit(w, unit)
		return !found
	})
	return found
}

// isUnit says whether the word w has the stem unit: "seasons" and
// "season", "city" and "citi". Only words that start like unit are
// analyzed, for the re-ranker's time.
func isUnit(w, unit string) bool {
	l := strings.ToLower(w)
	if strings.HasPrefix(l, unit) {
		return true
	}
	if len(l) < 3 || len(unit) < 3 || l[:3] != unit[:3] {
		return false
	}
	ts := index.Terms(l)
	return len(ts) == 1 && ts[0] == unit
}
