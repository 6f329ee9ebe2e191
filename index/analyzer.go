package index

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// AnalyzerName is the analyzer of every text field: Bleve's English
// analyzer (possessives stripped, lower case, stop words, Porter stems)
// with accents folded after lower-casing. People type "Beyonce",
// "pokemon" and "Tugh Temur" for "Beyoncé", "Pokémon" and "Tugh Temür";
// folded, the two spellings are one term.
const AnalyzerName = "shoulders_en"

// foldName is the token filter that folds accents.
const foldName = "shoulders_fold"

// foldFilter rewrites each token's letters to their ASCII forms (é to e,
// ß to ss), as Lucene's ASCIIFoldingFilter does. It works token by token,
// not on the text before splitting, so that offsets stay those of the
// original text.
type foldFilter struct {
	f *asciifolding.AsciiFoldingFilter
}

func (f foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if !isASCII(t.Term) {
			t.Term = f.f.Filter(t.Term)
		}
	}
	return in
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func init() {
	if err := registry.RegisterTokenFilter(foldName, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{asciifolding.New()}, nil
	}); err != nil {
		panic(err)
	}
	if err := registry.RegisterAnalyzer(AnalyzerName, func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
		tok, err := cache.TokenizerNamed(unicode.Name)
		if err != nil {
			return nil, err
		}
		a := &analysis.DefaultAnalyzer{Tokenizer: tok}
		for _, name := range analyzerFilters {
			f, err := cache.TokenFilterNamed(name)
			if err != nil {
				return nil, err
			}
			a.TokenFilters = append(a.TokenFilters, f)
		}
		return a, nil
	}); err != nil {
		panic(err)
	}
}

// analyzerFilters are the analyzer's token filters, in order.
var analyzerFilters = []string{en.PossessiveName, lowercase.Name, foldName, en.StopName, porter.Name}
