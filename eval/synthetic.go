package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
)

// Synthetic generates a deterministic corpus for scale benchmarks: words
// drawn from a Zipf distribution over a fixed vocabulary (as word
// frequencies in text are), passages of 60 to 140 words (around DPR's
// 100), titles of two to four words. The same seed gives the same corpus.
type Synthetic struct {
	Seed       uint64
	Vocabulary int // distinct words (default 50,000)

	vocab []string
	zipf  *rand.Zipf
	rng   *rand.Rand
}

func (s *Synthetic) init() {
	if s.vocab != nil {
		return
	}
	if s.Vocabulary <= 0 {
		s.Vocabulary = 50_000
	}
	s.rng = rand.New(rand.NewPCG(s.Seed, s.Seed+1))
	// Pronounceable pseudo-words of 2 to 5 syllables; distinct by index.
	syll := []string{"ka", "lo", "mi", "ter", "an", "dus", "ve", "ri", "on", "sa", "pel", "gu", "tho", "ne", "xi", "bar", "ul", "fen", "co", "da"}
	s.vocab = make([]string, s.Vocabulary)
	// The most frequent ranks are English function words, as in real
	// text, so the analyzer's stop list removes them as it would there.
	copy(s.vocab, functionWords)
	for i := len(functionWords); i < len(s.vocab); i++ {
		var b strings.Builder
		n := i
		for {
			b.WriteString(syll[n%len(syll)])
			n /= len(syll)
			if n == 0 {
				break
			}
		}
		if b.Len() < 4 {
			b.WriteString("ven")
		}
		s.vocab[i] = b.String()
	}
	s.zipf = rand.NewZipf(s.rng, 1.07, 2.7, uint64(s.Vocabulary-1))
}

// Word draws one word.
func (s *Synthetic) Word() string {
	s.init()
	return s.vocab[s.zipf.Uint64()]
}

// Passage draws a title and a text.
func (s *Synthetic) Passage() (title, text string) {
	s.init()
	var t []string
	for i := 0; i < 2+s.rng.IntN(3); i++ {
		t = append(t, s.Word())
	}
	n := 60 + s.rng.IntN(81)
	words := make([]string, n)
	for i := range words {
		words[i] = s.Word()
	}
	// Sentences of 8 to 25 words, so passages look like prose.
	var b strings.Builder
	for i := 0; i < n; {
		m := min(8+s.rng.IntN(18), n-i)
		sent := words[i : i+m]
		b.WriteString(strings.ToUpper(sent[0][:1]) + sent[0][1:])
		for _, w := range sent[1:] {
			b.WriteByte(' ')
			b.WriteString(w)
		}
		b.WriteString(". ")
		i += m
	}
	return strings.Join(t, " "), strings.TrimSpace(b.String())
}

// Query draws a query of 3 to 8 words from the same distribution, with
// one rarer word so that the query has something to find.
func (s *Synthetic) Query() string {
	s.init()
	n := 2 + s.rng.IntN(6)
	q := make([]string, 0, n+1)
	for i := 0; i < n; i++ {
		q = append(q, s.Word())
	}
	q = append(q, s.vocab[100+s.rng.IntN(int(math.Min(5000, float64(s.Vocabulary-100))))])
	return strings.Join(q, " ")
}

// WriteBEIR writes n passages as a BEIR corpus (one passage a record,
// never re-chunked) with ids synth-0, synth-1, ...
func (s *Synthetic) WriteBEIR(w io.Writer, n int) error {
	enc := json.NewEncoder(w)
	for i := 0; i < n; i++ {
		title, text := s.Passage()
		if err := enc.Encode(map[string]string{"_id": fmt.Sprintf("synth-%d", i), "title": title, "text": text}); err != nil {
			return err
		}
	}
	return nil
}

// functionWords are the commonest English words, most frequent first.
var functionWords = strings.Fields(`the of and to a in is that for it as was with be by on not he
this are or his from at which but have an had they you were their one all we can her has there
been if more when will would who so no`)
