package index

import (
	"unicode/utf8"
)

// Bleve's tokenizer finds word boundaries with a state machine over all of
// Unicode (UAX #29, Unicode 8.0), and was the largest part of the
// re-ranker's time. Most English text uses a handful of characters whose
// word-break classes are simple (ASCII, accented Latin letters, common
// punctuation), so for text made only of those, words are split here by
// the same rules; any other character sends the whole text to Bleve's
// tokenizer. TestTermsMatchTheIndexAnalyzer and FuzzTerms hold the two to
// the same output on real and random text.

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

// wideClass is the class of r, a character beyond ASCII, and false for
// one whose class is not known here.
func wideClass(r rune) (uint8, bool) {
	// Latin-1 and Latin Extended-A letters (é, ü, ł), all ALetter.
	if r >= 0xC0 && r <= 0x17F && r != 0xD7 && r != 0xF7 {
		return wbLetter, true
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

// classAt is the class and byte size of the character at text[i], and
// false for a character not classed here.
func classAt(text []byte, i int) (uint8, int, bool) {
	if b := text[i]; b < utf8.RuneSelf {
		return asciiClass[b], 1, true
	}
	r, size := utf8.DecodeRune(text[i:])
	c, ok := wideClass(r)
	return c, size, ok
}

func inWord(c uint8) bool { return c == wbLetter || c == wbDigit || c == wbJoin }

// simpleWords calls emit with the start and end of each word of text, in
// order, as Bleve's unicode tokenizer splits them, or returns false, having
// called nothing, when text holds a character not classed here.
func simpleWords(text []byte, emit func(start, end int)) bool {
	for i := 0; i < len(text); {
		_, size, ok := classAt(text, i)
		if !ok {
			return false
		}
		i += size
	}
	for i := 0; i < len(text); {
		c, size, _ := classAt(text, i)
		if !inWord(c) {
			i += size
			continue
		}
		// The longest word starting here: letters, digits and joiners
		// run on; a middle character joins only between two letters or
		// two digits, as the UAX #29 rules WB6, WB7, WB11 and WB12 say.
		j, last := i+size, c
		for j < len(text) {
			d, dsize, _ := classAt(text, j)
			if inWord(d) {
				j, last = j+dsize, d
				continue
			}
			if j+dsize < len(text) {
				if e, esize, _ := classAt(text, j+dsize); joins(last, d, e) {
					j, last = j+dsize+esize, e
					continue
				}
			}
			break
		}
		emit(i, j)
		i = j
	}
	return true
}

// withoutPossessive is word without a final "'s" (or "’s", "＇s"), as the
// English analyzer's possessive filter leaves it.
func withoutPossessive(word []byte) []byte {
	last, size := utf8.DecodeLastRune(word)
	if last != 's' && last != 'S' {
		return word
	}
	switch prev, psize := utf8.DecodeLastRune(word[:len(word)-size]); prev {
	case '\'', '’', '＇':
		return word[:len(word)-size-psize]
	}
	return word
}
