package reader

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// Evidence picks the sentences of the packed passages that best answer
// the question, for the answer given when no LM is configured. Sentences
// are scored by the inverse-document-frequency weight (over the packed
// sentences) of the question terms they contain, with a small preference
// for passages packed earlier; the best sentence is returned, with the
// runner-up when it comes from another passage and scores nearly as well.
func Evidence(question string, packed []Packed) (string, []Citation) {
	qterms := map[string]bool{}
	for _, t := range index.Terms(question) {
		qterms[t] = true
	}
	type sent struct {
		p          int
		text       string
		start, end int // of text in the passage's text
		terms      map[string]bool
		score      float64
	}
	var sents []sent
	df := map[string]int{}
	for i, p := range packed {
		text := p.Passage.Text
		for _, sp := range corpus.Sentences(text) {
			s := sent{p: i, text: text[sp.Start:sp.End], start: sp.Start, end: sp.End, terms: map[string]bool{}}
			for _, t := range index.Terms(s.text) {
				if qterms[t] && !s.terms[t] {
					s.terms[t] = true
					df[t]++
				}
			}
			sents = append(sents, s)
		}
	}
	if len(sents) == 0 {
		return "", []Citation{}
	}
	n := float64(len(sents))
	for i := range sents {
		s := &sents[i]
		for t := range s.terms {
			s.score += math.Log(1 + n/float64(df[t]))
		}
		// Title terms count for the sentence too: "When was it founded?"
		// is answered by a sentence of the passage titled with the subject.
		for _, t := range index.Terms(packed[s.p].Passage.Title) {
			if qterms[t] && !s.terms[t] {
				s.score += 0.5 * math.Log(1+n/float64(max(df[t], 1)))
			}
		}
		// A sentence that holds little beyond the question's own words
		// (a heading, a restatement) rarely answers it; one that ends
		// with a colon promises what follows ("Add documents with POST
		// /v1/documents:" and the command), which the answer will hold.
		novel := 0
		for _, t := range index.Terms(s.text) {
			if !qterms[t] {
				novel++
			}
		}
		if novel < 4 && lastRune(s.text) != ':' {
			s.score *= 0.6
		}
		s.score *= 1 / (1 + 0.05*float64(s.p))
	}
	order := make([]int, len(sents))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sents[order[a]].score > sents[order[b]].score })
	best := sents[order[0]]
	// A short best sentence is often a heading or a lead-in, and so is
	// one that ends without closing punctuation ("To back up the data,
	// run", "as follows:"): the sentence after it, in the same passage,
	// carries the substance (the command, the list). The two are quoted
	// as the passage has them, so that the quote is found in it.
	if next := order[0] + 1; next < len(sents) && sents[next].p == best.p && (len(strings.Fields(best.text)) < 6 || leadIn(best.text)) {
		best.text = packed[best.p].Passage.Text[best.start:sents[next].end]
	}
	picked := []sent{best}
	for _, i := range order[1:] {
		s := sents[i]
		if s.p != best.p && s.score >= 0.8*best.score && s.score > 0 {
			picked = append(picked, s)
			break
		}
	}
	var b strings.Builder
	cites := []Citation{}
	for i, s := range picked {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s [%d]", s.text, packed[s.p].N)
		c := citation(packed[s.p])
		c.Quote = s.text
		cites = append(cites, c)
	}
	return b.String(), cites
}

// leadIn says whether a sentence ends as a lead-in to what follows: with
// a colon, or with a word rather than closing punctuation.
func leadIn(s string) bool {
	r := lastRune(s)
	return r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(s))
	return r
}
