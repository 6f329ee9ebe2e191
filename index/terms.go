package index

import (
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
)

var (
	analyzerOnce sync.Once
	analyzer     analysis.Analyzer
)

// Terms analyzes text exactly as the BM25 index does (English analyzer:
// lower case, stop words removed, Porter stems), so the reader's notion
// of a matching word agrees with retrieval's.
func Terms(text string) []string {
	toks := english().Analyze([]byte(text))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = string(t.Term)
	}
	return out
}

// TermsAt analyzes text like Terms and also gives each term's byte offset
// in text, so that one pass can be split among sentences.
func TermsAt(text string) (terms []string, starts []int) {
	toks := english().Analyze([]byte(text))
	terms, starts = make([]string, len(toks)), make([]int, len(toks))
	for i, t := range toks {
		terms[i], starts[i] = string(t.Term), t.Start
	}
	return terms, starts
}

// english is the index's analyzer, built once; callers may be concurrent.
func english() analysis.Analyzer {
	analyzerOnce.Do(func() {
		a, err := registry.NewCache().AnalyzerNamed(en.AnalyzerName)
		if err != nil {
			panic(err) // the analyzer is compiled in; failure is a build defect
		}
		analyzer = a
	})
	return analyzer
}
