package rerank

import (
	"slices"
	"strings"

	"github.com/shoulders-qa/shoulders/index"
)

// definitions gathers the words of WordNet's definitions, to relate a
// word to those that define it and to those it defines. A question's
// "surgeon" meets a passage's "physician" ("a physician who specializes
// in surgery"), "murdered" meets "assassin" ("a murderer (especially
// ...)"): meaning that no synonym list holds.
type definitions struct {
	terms map[string][]string // a definition's analyzed terms
	words map[string][]string // a word's (split at spaces), remembered
	uses  map[string]int      // how many definitions hold a term
	pairs []defPair
}

type defPair struct {
	word  string
	terms []string
}

func newDefinitions() *definitions {
	return &definitions{terms: map[string][]string{}, words: map[string][]string{}, uses: map[string]int{}}
}

// add records def as the definition of word.
func (d *definitions) add(word, def string) {
	if def == "" {
		return
	}
	ts, ok := d.terms[def]
	if !ok {
		// No word spans a space, so analyzing word by word gives the
		// terms of the whole, and 80,000 definitions share most words.
		for _, w := range strings.Fields(def) {
			wt, ok := d.words[w]
			if !ok {
				wt = index.TermsOnce(w)
				d.words[w] = wt
			}
			ts = append(ts, wt...)
		}
		d.terms[def] = ts
		seen := map[string]bool{}
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				d.uses[t]++
			}
		}
	}
	d.pairs = append(d.pairs, defPair{word, ts})
}

// relations relates each word's term (by stem) to its definition's
// terms and back, leaving out terms too common in definitions and pairs
// that rel already relates.
func (d *definitions) relations(stem func(string) string, rel map[string]map[string]bool) map[string][]string {
	out := map[string][]string{}
	for _, p := range d.pairs {
		a := stem(p.word)
		if a == "" {
			continue
		}
		for _, t := range p.terms {
			if t != a && d.uses[t] <= defMaxUses {
				out[a] = append(out[a], t)
				out[t] = append(out[t], a)
			}
		}
	}
	for t, rs := range out {
		slices.Sort(rs)
		rs = slices.Compact(rs)
		rs = slices.DeleteFunc(rs, func(r string) bool { return rel[t][r] })
		out[t] = slices.Clip(rs)
	}
	return out
}
