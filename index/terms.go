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
	analyzerOnce.Do(func() {
		a, err := registry.NewCache().AnalyzerNamed(en.AnalyzerName)
		if err != nil {
			panic(err) // the analyzer is compiled in; failure is a build defect
		}
		analyzer = a
	})
	toks := analyzer.Analyze([]byte(text))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = string(t.Term)
	}
	return out
}
