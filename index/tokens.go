package index

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Bleve's tokenizer finds word boundaries with a state machine over all of
// Unicode (UAX #29, Unicode 8.0), and was a third of the re-ranker's time.
// Most English text uses a handful of characters whose word-break classes
// are simple, so for text made only of those, words are split here by the
// same rules; any other character sends the whole text to Bleve's
// tokenizer. TestTermsMatchTheIndexAnalyzer holds the two to the same
// output on real and random text.

// Word-break classes of the characters split here.
const (
	wbOther     = iota // never part of a word
	wbLetter           // ALetter
	wbDigit            // Numeric
	wbJoin             // ExtendNumLet ("_"): joins whatever it touches
	wbMidLetter        // MidLetter (":"): joins two letters
	wbMidNum           // MidNum (",", ";"): joins two digits
	wbMidBoth          // MidNumLet and Single_Quote (".", "'", "‘", "’"): joins two letters or two digits
)

var asciiClass = func() (c [utf8.RuneSelf]uint8) {
	for r := 'a'; r <= 'z'; r++ {
		c[r], c[r-'a'+'A'] = wbLetter, wbLetter
	}
	for r := '0'; r <= '9'; r++ {
		c[r] = wbDigit
	}
	c['_'], c[':'], c[','], c[';'], c['.'], c['\''] = wbJoin, wbMidLetter, wbMidNum, wbMidNum, wbMidBoth, wbMidBoth
	return c
}()

// wordClass is r's class, and false for a character whose class is not
// known here.
func wordClass(r rune) (uint8, bool) {
	if r < utf8.RuneSelf {
		return asciiClass[r], true
	}
	switch r {
	case '‘', '’':
		return wbMidBoth, true
	case '–', '—', '“', '”', '…', '°', '£', '€', '−', '×', '•', '\u00a0':
		return wbOther, true
	}
	return 0, false
}

// joins says whether mid, between prev and next, keeps them one word.
func joins(prev, mid, next uint8) bool {
	switch mid {
	case wbMidLetter:
		return prev == wbLetter && next == wbLetter
	case wbMidNum:
		return prev == wbDigit && next == wbDigit
	case wbMidBoth:
		return prev == next && (prev == wbLetter || prev == wbDigit)
	}
	return false
}

// simpleTokens splits text into words as Bleve's unicode tokenizer does,
// or returns false when text holds a character not classed here.
func simpleTokens(text []byte) (analysis.TokenStream, bool) {
	n := len(text)
	classes := make([]uint8, 0, n)
	offsets := make([]int, 0, n) // byte offset of each character
	words := 0
	for i := 0; i < n; {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		c, ok := wordClass(r)
		if !ok {
			return nil, false
		}
		if c == wbLetter || c == wbDigit || c == wbJoin {
			if p := len(classes); p == 0 || classes[p-1] == wbOther || classes[p-1] > wbJoin {
				words++ // a bound on the words, to allocate once
			}
		}
		classes = append(classes, c)
		offsets = append(offsets, i)
		i += size
	}
	offsets = append(offsets, n)
	slab := make([]analysis.Token, 0, words)
	out := make(analysis.TokenStream, 0, words)
	for i := 0; i < len(classes); {
		c := classes[i]
		if c != wbLetter && c != wbDigit && c != wbJoin {
			i++
			continue
		}
		// The longest word starting here: letters, digits and joiners
		// run on; a middle character joins only between two letters or
		// two digits, as the UAX #29 rules WB6, WB7, WB11 and WB12 say.
		j := i + 1
		for j < len(classes) {
			switch d := classes[j]; {
			case d == wbLetter || d == wbDigit || d == wbJoin:
				j++
				continue
			case j+1 < len(classes) && joins(classes[j-1], d, classes[j+1]):
				j += 2
				continue
			}
			break
		}
		slab = append(slab, analysis.Token{Term: text[offsets[i]:offsets[j]], Start: offsets[i], End: offsets[j],
			Position: len(out) + 1, Type: analysis.AlphaNumeric})
		out = append(out, &slab[len(slab)-1])
		i = j
	}
	return out, true
}
