package index

import (
	"bytes"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/go-porterstemmer"
)

// The index's analyzer (AnalyzerName) runs, on each word, the possessive
// filter ("Luther's" to "Luther"), lower case, accent folding, the stop
// list and the Porter stemmer. Each depends on the word alone, so the
// re-ranker, which analyzes 100 passages per question, strips possessives
// as it splits words and keeps the outcome of the others per distinct
// word (see term).
var (
	analyzerOnce sync.Once
	analyzer     analysis.Analyzer
	// words is the analyzer up to its possessive filter; perWord are the
	// filters after it, the stemmer aside.
	words   analysis.Analyzer
	perWord []analysis.TokenFilter
)

// Terms analyzes text exactly as the BM25 index does (English analyzer:
// lower case, accents folded, stop words removed, Porter stems), so the reader's notion
// of a matching word agrees with retrieval's.
func Terms(text string) []string {
	terms, _ := TermsAt(text)
	return terms
}

// TermsAt analyzes text like Terms and also gives each term's byte offset
// in text, so that one pass can be split among sentences.
func TermsAt(text string) (terms []string, starts []int) {
	return termsAt(text, true)
}

// TermsOnce analyzes text like Terms without remembering its words. It
// suits a vocabulary read once, such as a lexicon's 80,000 words: kept,
// they would fill the memory of words that passages use and slow every
// lookup in it.
func TermsOnce(text string) []string {
	terms, _ := termsAt(text, false)
	return terms
}

func termsAt(text string, keep bool) (terms []string, starts []int) {
	english()
	b := []byte(text)
	// About one term per eight bytes of English, stop words dropped:
	// sized once rather than grown.
	terms, starts = make([]string, 0, len(text)/8+1), make([]int, 0, len(text)/8+1)
	add := func(word []byte, start int) {
		if s, ok := term(word, keep); ok {
			terms, starts = append(terms, s), append(starts, start)
		}
	}
	if simpleWords(b, func(start, end int) { add(withoutPossessive(b[start:end]), start) }) {
		return terms, starts
	}
	for _, t := range words.Analyze(b) {
		add(t.Term, t.Start)
	}
	return terms, starts
}

// english is the index's analyzer, built once; callers may be concurrent.
func english() analysis.Analyzer {
	analyzerOnce.Do(func() {
		cache := registry.NewCache()
		a, err := cache.AnalyzerNamed(AnalyzerName)
		if err != nil {
			panic(err) // the analyzer is compiled in; failure is a build defect
		}
		analyzer = a
		// The same chain as the analyzer's, in the same order.
		tok, err := cache.TokenizerNamed(unicode.Name)
		if err != nil {
			panic(err)
		}
		for _, name := range analyzerFilters[:len(analyzerFilters)-1] {
			f, err := cache.TokenFilterNamed(name)
			if err != nil {
				panic(err)
			}
			perWord = append(perWord, f)
		}
		words = &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: perWord[:1]}
		perWord = perWord[1:]
	})
	return analyzer
}

// maxWords bounds the words whose analysis is kept.
const maxWords = 1 << 18

// A result is a word's analysis: its term, or none for a stop word.
type result struct {
	term string
	ok   bool
}

var (
	wordsMu sync.RWMutex
	known   = map[string]result{}
)

// term is the index term of a word past the possessive filter (lower
// case, folded, Porter stem), and false for a stop word; keep says
// whether a word not yet known is remembered.
func term(word []byte, keep bool) (string, bool) {
	wordsMu.RLock()
	r, ok := known[string(word)]
	wordsMu.RUnlock()
	if ok {
		return r.term, r.ok
	}
	key := string(word)
	toks := analysis.TokenStream{&analysis.Token{Term: []byte(key)}}
	for _, f := range perWord {
		toks = f.Filter(toks)
	}
	if len(toks) > 0 {
		r = result{string(porterstemmer.StemWithoutLowerCasing(bytes.Runes(toks[0].Term))), true}
	}
	if !keep {
		return r.term, r.ok
	}
	wordsMu.Lock()
	if len(known) < maxWords {
		known[key] = r
	}
	wordsMu.Unlock()
	return r.term, r.ok
}
