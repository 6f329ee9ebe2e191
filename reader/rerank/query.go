package rerank

import (
	"math"
	"math/bits"

	"github.com/shoulders-qa/shoulders/retriever"
)

// maxQueryTerms bounds the distinct question terms tracked in bit masks.
const maxQueryTerms = 64

// A query is a question analyzed once for all its candidates.
type query struct {
	terms   []string  // distinct analyzed terms, in order (at most 64)
	seq     []string  // analyzed terms in order, with repeats
	seqBits []uint64  // the bit of each of seq (0 past the 64th distinct term)
	idf     []float64 // collection IDF of each of terms
	idfSum  float64
	bigrams map[[2]string]int // distinct question bigrams, numbered
	qtype   int
	words   map[string]bool // lower-cased raw words, to tell answer material
	counted string          // what a "how many" question counts: "season"
	lex     *Lexicon

	// Filled per candidate list by local.
	n int
	// lidf weighs terms by their rarity among the list's candidates: a
	// term every candidate shares (the article's subject) tells them
	// apart no better than a stop word. lidfSum is their sum.
	lidf    []float64 // by term position, as are idf and tidf
	lidfSum float64
	// tidf weighs terms by their rarity among the candidates' titles, and
	// titles counts candidates by title: a title shared by half the list
	// (one article's paragraphs) says little.
	tidf   []float64
	titles map[string]int
	// bit gives each question term its bit; soft maps a passage term to
	// the question terms it stands for through WordNet; near lists
	// spellings within one edit of a question term, for misspelt
	// questions ("Melanchhon").
	bit  map[string]uint64
	soft map[string]uint64
	// def maps a passage term to the question terms it relates to through
	// a WordNet definition, when no closer relation does.
	def  map[string]uint64
	near map[string][]string
	// spans maps the first term of a WordNet phrase some candidate may
	// hold ("unit" of "united kingdom") to the phrases that stand for
	// question terms ("uk").
	spans map[string][]span
}

// A span is a sequence of passage terms standing for the question terms
// in bits.
type span struct {
	terms []string
	bits  uint64
}

func newQuery(text string, terms []string, idf func(string) float64, lex *Lexicon) *query {
	q := &query{seq: terms, bigrams: map[[2]string]int{}, qtype: questionType(text),
		words: map[string]bool{}, lex: lex, bit: map[string]uint64{}}
	for _, t := range terms {
		if _, ok := q.bit[t]; !ok && len(q.terms) < maxQueryTerms {
			w := idf(t)
			q.idf = append(q.idf, w)
			q.idfSum += w
			q.bit[t] = 1 << len(q.terms)
			q.terms = append(q.terms, t)
		}
	}
	for _, t := range terms {
		q.seqBits = append(q.seqBits, q.bit[t])
	}
	for i := 0; i+1 < len(terms); i++ {
		if b := [2]string{terms[i], terms[i+1]}; len(q.bigrams) < 64 {
			if _, ok := q.bigrams[b]; !ok {
				q.bigrams[b] = len(q.bigrams)
			}
		}
	}
	ws := splitWords(text)
	for _, w := range ws {
		q.words[w] = true
	}
	q.counted = countedUnit(ws)
	return q
}

// listFeatures computes the features of a whole candidate list (some are
// relative to the list: local rarity, scores against the best) and where
// the question's terms fall in each candidate.
func listFeatures(q *query, docs []*doc, cands []retriever.Candidate) ([][]float64, []*hits) {
	q.local(docs)
	listMax := listMaxima(cands)
	feats := make([][]float64, len(cands))
	hs := make([]*hits, len(cands))
	for i, c := range cands {
		hs[i] = q.hitsOf(docs[i])
		feats[i] = features(q, docs[i], hs[i], c, listMax)
	}
	addRelative(feats)
	return feats, hs
}

// local fills the list-level statistics of q.
func (q *query) local(docs []*doc) {
	q.n = len(docs)
	q.lidf, q.lidfSum, q.tidf = make([]float64, len(q.terms)), 0, make([]float64, len(q.terms))
	q.titles, q.soft, q.near = map[string]int{}, map[string]uint64{}, map[string][]string{}
	// Relatives count where some candidate holds them. Looking each up
	// costs less than gathering the list's whole vocabulary.
	absent := map[string]bool{}
	var long []string
	for _, t := range q.terms {
		for r := range q.lex.Related(t) {
			if _, ok := q.soft[r]; ok {
				q.soft[r] |= q.bit[t]
			} else if !absent[r] {
				if inAny(docs, r) {
					q.soft[r] = q.bit[t]
				} else {
					absent[r] = true
				}
			}
		}
		if len(t) >= 5 {
			long = append(long, t)
		}
	}
	q.phrases(docs, absent)
	// Definitions relate a hundred words or more to a question: looking each
	// up in the list would cost more than the lookups of passage terms
	// that find the few present.
	q.def = map[string]uint64{}
	for _, t := range q.terms {
		for r := range q.lex.Defined(t) {
			if _, ok := q.bit[r]; ok {
				continue
			}
			if _, ok := q.soft[r]; ok {
				continue
			}
			q.def[r] |= q.bit[t]
		}
	}
	if len(long) > 0 {
		seen := map[[2]string]bool{}
		for _, d := range docs {
			for v := range d.tf {
				for _, t := range long {
					if l := len(v) - len(t); l > 1 || l < -1 {
						continue // the common case, decided without a call
					}
					if v != t && withinOneEdit(t, v) && !seen[[2]string{t, v}] {
						seen[[2]string{t, v}] = true
						q.near[t] = append(q.near[t], v)
					}
				}
			}
		}
	}
	// Document frequencies within the list, a relative counting as the
	// term: "built" is as common as the candidates saying "constructed".
	df, tdf := make([]int, len(q.terms)), make([]int, len(q.terms))
	for _, d := range docs {
		q.titles[d.titleRaw]++
		var m, tm uint64
		// The question's terms and relatives are fewer than the passage's.
		for _, t := range q.terms {
			if d.tf[t] > 0 {
				m |= q.bit[t]
			}
		}
		for r, b := range q.soft {
			if d.tf[r] > 0 {
				m |= b
			}
		}
		for _, ss := range q.spans {
			for _, s := range ss {
				if m&s.bits != s.bits && d.tf[s.terms[0]] > 0 && d.holds(s.terms) {
					m |= s.bits
				}
			}
		}
		for t := range d.titleSet {
			tm |= q.bit[t]
		}
		for i := range q.terms {
			if m&(1<<i) != 0 {
				df[i]++
			}
			if tm&(1<<i) != 0 {
				tdf[i]++
			}
		}
	}
	// A term no candidate holds cannot tell them apart: it weighs nothing.
	idf := func(f int) float64 {
		if f == 0 {
			return 0
		}
		n := float64(len(docs))
		return math.Log(1 + (n-float64(f)+0.5)/(float64(f)+0.5))
	}
	for i := range q.terms {
		q.lidf[i] = idf(df[i])
		q.lidfSum += q.lidf[i]
		q.tidf[i] = idf(tdf[i])
	}
}

// phrases adds the WordNet relations in which the question or the
// passage says in several words what the other says in one: a question's
// "last name" stands for the passages' "surname", its "uk" for "united
// kingdom".
func (q *query) phrases(docs []*doc, absent map[string]bool) {
	q.spans = map[string][]span{}
	for i := range q.seq {
		for _, p := range q.lex.Phrases(q.seq[i]) {
			if !hasAt(q.seq, i, p.from) {
				continue
			}
			var b uint64
			for k := range p.from {
				b |= q.seqBits[i+k]
			}
			r := p.to[0]
			if b == 0 || absent[r] {
				continue
			}
			if !inAny(docs, r) {
				absent[r] = true
				continue
			}
			if len(p.to) == 1 {
				q.soft[r] |= b
			} else {
				q.spans[r] = append(q.spans[r], span{terms: p.to, bits: b})
			}
		}
	}
}

// hasAt says whether ts holds seq from position i on.
func hasAt(ts []string, i int, seq []string) bool {
	if i+len(seq) > len(ts) {
		return false
	}
	for k, t := range seq {
		if ts[i+k] != t {
			return false
		}
	}
	return true
}

// holds says whether d's text holds the terms seq in order.
func (d *doc) holds(seq []string) bool {
	for i, t := range d.terms {
		if t == seq[0] && hasAt(d.terms, i, seq) {
			return true
		}
	}
	return false
}

// inAny says whether a term occurs in any of docs.
func inAny(docs []*doc, t string) bool {
	for _, d := range docs {
		if d.tf[t] > 0 {
			return true
		}
	}
	return false
}

// mask is the set of question terms among ts.
func (q *query) mask(ts []string) uint64 {
	var m uint64
	for _, t := range ts {
		m |= q.bit[t]
	}
	return m
}

// weight sums w (by term position) over the question terms in m, in
// term order.
func weight(m uint64, w []float64) float64 {
	s := 0.0
	for ; m != 0; m &= m - 1 {
		s += w[bits.TrailingZeros64(m)]
	}
	return s
}
