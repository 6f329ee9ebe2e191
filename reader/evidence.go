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

// An evSentence is a sentence of a packed passage, scored for Evidence.
type evSentence struct {
	p          int // its passage's index in the packing
	text       string
	start, end int // of text in the passage's text
	terms      map[string]bool
	order      []string // terms in the order found, so that scores sum the same way every time
	heading    bool
	score      float64
}

// Evidence picks the sentences of the packed passages that best answer
// the question, for the answer given when no LM is configured. Sentences
// are scored by the inverse-document-frequency weight (over the packed
// sentences) of the question terms they contain, weighed by how likely
// the re-ranker finds their passage (or, without it, by packing order),
// and the sentence the re-ranker itself picked in its passage counts
// more. The best sentence is returned with the neighbour that holds more
// of the question, and the runner-up when it comes from another passage
// and scores nearly as well.
func Evidence(question string, packed []Packed) (string, []Citation) {
	qterms := map[string]bool{}
	for _, t := range index.Terms(question) {
		qterms[t] = true
	}
	var sents []evSentence
	df := map[string]int{}
	for i, p := range packed {
		text := p.Passage.Text
		for _, sp := range corpus.Sentences(text) {
			s := evSentence{p: i, text: text[sp.Start:sp.End], start: sp.Start, end: sp.End, terms: map[string]bool{}, heading: corpus.IsHeading(text, sp)}
			for _, t := range index.Terms(s.text) {
				if qterms[t] && !s.terms[t] {
					s.terms[t] = true
					s.order = append(s.order, t)
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
	top := 0.0
	for _, p := range packed {
		top = math.Max(top, p.Chance)
	}
	for i := range sents {
		s := &sents[i]
		for _, t := range s.order {
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
		// One quoted with the sentence after it ("Pack." and what packing
		// does) is judged with it.
		quoted := packed[s.p].Passage.Text[s.start:sents[announces(sents, i)].end]
		novel := 0
		for _, t := range index.Terms(quoted) {
			if !qterms[t] {
				novel++
			}
		}
		if novel < 4 && lastRune(s.text) != ':' {
			s.score *= 0.6
		}
		if picked := packed[s.p].Excerpts; len(picked) > 0 && picked[len(picked)-1] == s.text {
			s.score *= excerptVote
		}
		if c := packed[s.p].Chance; top > 0 && c > 0 {
			s.score *= math.Pow(c/top, chanceWeight)
		} else {
			s.score *= 1 / (1 + 0.05*float64(s.p))
		}
	}
	order := make([]int, len(sents))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sents[order[a]].score > sents[order[b]].score })
	// A heading stands for the section it opens: the section's first
	// sentence is quoted in its place, or, where the passage ends with
	// the heading, the next best sentence.
	bi := -1
	for _, i := range order {
		if !sents[i].heading {
			bi = i
			break
		}
		if j := i + 1; j < len(sents) && sents[j].p == sents[i].p {
			bi = j
			break
		}
	}
	if bi < 0 {
		bi = order[0]
	}
	best := sents[bi]
	// A short best sentence is often a lead-in, and so is one that ends
	// without closing punctuation ("To back up the data, run", "as
	// follows:"): the sentence after it, in the same passage, carries the
	// substance (the command, the list). The two are quoted as the
	// passage has them, so that the quote is found in it.
	if k := announces(sents, bi); k > bi {
		best.text = packed[best.p].Passage.Text[best.start:sents[k].end]
	} else if nb := neighbour(sents, bi); nb >= 0 {
		// The answer often sits beside the sentence that matches the
		// question ("He was born in 1950."), as the re-ranker's excerpts
		// assume.
		lo, hi := min(sents[nb].start, best.start), max(sents[nb].end, best.end)
		if nb > bi {
			hi = sents[announces(sents, nb)].end // a lead-in after it comes with what it announces
		}
		best.text = packed[best.p].Passage.Text[lo:hi]
	}
	picked := []evSentence{best}
	for _, i := range order {
		s := sents[i]
		if s.p != best.p && s.score >= 0.8*best.score && s.score > 0 && !s.heading {
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

// announces returns the last sentence quoted with sents[i]: the one
// after it in its passage when it is short or a lead-in, and no heading
// (which is passed over, not quoted); when a lead-in opens a table, the
// table's rows too, up to maxRows of them. Otherwise i. A table row ends
// without punctuation too, and comes with the row after it.
func announces(sents []evSentence, i int) int {
	s := sents[i]
	same := func(j int) bool { return j < len(sents) && sents[j].p == s.p }
	if s.heading || !same(i+1) || (len(strings.Fields(s.text)) >= 6 && !leadIn(s.text)) {
		return i
	}
	k := i + 1
	for !tableRow(s.text) && same(k+1) && k-i < maxRows && tableRow(sents[k].text) && tableRow(sents[k+1].text) {
		k++
	}
	return k
}

// maxRows bounds the table rows an evidence answer quotes.
const maxRows = 4

// tableRow says whether a sentence is a table's row, as the Markdown
// reader leaves one: its cells joined by " | ".
func tableRow(s string) bool { return strings.Contains(s, " | ") }

// neighbour returns the sentence beside sents[i] in its passage that
// scores more, the next one on a tie, or -1 when there is none or it
// scores nothing (neither it nor its title holds a question term).
// Headings are passed over.
func neighbour(sents []evSentence, i int) int {
	nb := -1
	// A heading names the section, which the passage's title mostly does
	// already; the sentence on the other side says more.
	beside := func(j int) bool {
		return j >= 0 && j < len(sents) && sents[j].p == sents[i].p && !sents[j].heading
	}
	if beside(i - 1) {
		nb = i - 1
	}
	if j := i + 1; beside(j) && (nb < 0 || sents[j].score >= sents[nb].score) {
		nb = j
	}
	if nb < 0 || sents[nb].score <= 0 {
		return -1
	}
	return nb
}

// Evidence's weights, set on the QA-mix train split (shoulders eval
// --split train, evidence_hit): the sentence the re-ranker picked in its
// passage counts twice, and a passage's weight is its chance, relative
// to the best one's, to this power.
const (
	excerptVote  = 2.0
	chanceWeight = 0.3
)

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
