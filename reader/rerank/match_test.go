package rerank

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// The longest run read through question-term bits equals the one read
// from the strings, for a question of more than 64 distinct terms too
// (the terms past the 64th have no bit), and for a passage of more terms
// than fit the stack.
func TestLongestRunByBits(t *testing.T) {
	var words []string
	for i := range 70 {
		words = append(words, fmt.Sprintf("w%dx", i))
	}
	plain := func(q, d []string) int {
		best := 0
		for i := range q {
			for j := range d {
				k := 0
				for i+k < len(q) && j+k < len(d) && q[i+k] == d[j+k] {
					k++
				}
				best = max(best, k)
			}
		}
		return best
	}
	cases := []struct{ question, text string }{
		{"When did Luther post the Ninety-five Theses at Wittenberg?", "Luther posted the Ninety-five Theses in 1517. At Wittenberg he taught."},
		{strings.Join(words, " "), strings.Join(words[60:69], " ") + " and " + strings.Join(words[2:5], " ")},
		{strings.Join(words, " ") + " " + strings.Join(words[62:68], " "), "x " + strings.Join(words[62:70], " ")},
		// A passage longer than the stack buffer, the run at its end.
		{"When did Luther post the Ninety-five Theses at Wittenberg?", strings.Repeat("Luther taught theology at Wittenberg. ", 150) + "He posted the Ninety-five Theses."},
	}
	for _, c := range cases {
		q := newQuery(c.question, index.Terms(c.question), uniformIDF, nil)
		d := analyze(corpus.Passage{Title: "T", Text: c.text}, nil)
		q.local([]*doc{d})
		got := longestRun(q.seq, q.seqBits, d.terms, q.hitsOf(d).exact)
		if want := plain(q.seq, d.terms); got != want || want < 2 {
			t.Errorf("%.40q: longest run %d, want %d (at least 2)", c.question, got, want)
		}
	}
}
