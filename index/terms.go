package index

import (
	"bytes"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/go-porterstemmer"
)

var (
	analyzerOnce sync.Once
	analyzer     analysis.Analyzer
	// unstemmed is the English analyzer without its last filter, the
	// Porter stemmer, whose stems stem caches; filters are its filters.
	unstemmed analysis.Analyzer
	filters   []analysis.TokenFilter
)

// Terms analyzes text exactly as the BM25 index does (English analyzer:
// lower case, stop words removed, Porter stems), so the reader's notion
// of a matching word agrees with retrieval's.
func Terms(text string) []string {
	terms, _ := TermsAt(text)
	return terms
}

// TermsAt analyzes text like Terms and also gives each term's byte offset
// in text, so that one pass can be split among sentences.
func TermsAt(text string) (terms []string, starts []int) {
	english()
	b := []byte(text)
	toks, simple := simpleTokens(b)
	if simple {
		for _, f := range filters {
			toks = f.Filter(toks)
		}
	} else {
		toks = unstemmed.Analyze(b)
	}
	terms, starts = make([]string, len(toks)), make([]int, len(toks))
	for i, t := range toks {
		terms[i], starts[i] = stem(t.Term), t.Start
	}
	return terms, starts
}

// english is the index's analyzer, built once; callers may be concurrent.
func english() analysis.Analyzer {
	analyzerOnce.Do(func() {
		cache := registry.NewCache()
		a, err := cache.AnalyzerNamed(en.AnalyzerName)
		if err != nil {
			panic(err) // the analyzer is compiled in; failure is a build defect
		}
		analyzer = a
		// The same chain as en's analyzer, up to its stemmer.
		tok, err := cache.TokenizerNamed(unicode.Name)
		if err != nil {
			panic(err)
		}
		for _, name := range []string{en.PossessiveName, lowercase.Name, en.StopName} {
			f, err := cache.TokenFilterNamed(name)
			if err != nil {
				panic(err)
			}
			filters = append(filters, f)
		}
		unstemmed = &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: filters}
	})
	return analyzer
}

// The re-ranker analyzes 100 passages per question, and stemming each of
// their words anew was an eighth of its time: words recur, so their stems
// are kept, up to maxStems words.
const maxStems = 1 << 18

var (
	stemsMu sync.RWMutex
	stems   = map[string]string{}
)

// stem is the Porter stem of a lower-cased word, as the English
// analyzer's stemmer gives it.
func stem(word []byte) string {
	stemsMu.RLock()
	s, ok := stems[string(word)]
	stemsMu.RUnlock()
	if ok {
		return s
	}
	s = string(porterstemmer.StemWithoutLowerCasing(bytes.Runes(word)))
	stemsMu.Lock()
	if len(stems) < maxStems {
		stems[string(word)] = s
	}
	stemsMu.Unlock()
	return s
}
