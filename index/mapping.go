package index

import (
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bleveidx "github.com/blevesearch/bleve_index_api"
)

// Field names of a passage in the Bleve index.
const (
	fieldDocID   = "doc_id"
	fieldTitle   = "title"
	fieldText    = "text"
	fieldBody    = "body" // title and text together, indexed only
	fieldSource  = "source"
	fieldOrdinal = "ordinal"
	fieldStart   = "start"
	fieldEnd     = "end"
	// The document's record rides on its first passage (ordinal 0):
	// stored, never indexed.
	fieldPassages = "doc_passages"
	fieldChars    = "doc_chars"
	fieldMeta     = "doc_metadata"
	fieldUpdated  = "doc_updated"
	// Every passage indexes its document's metadata, key and value as one
	// term, so that a filter can pick passages by it (see Filter).
	fieldMetaKV = "doc_meta_kv"
	// and the folders its document ID names ("handbook/"), so that a
	// filter by folder is one term.
	fieldDocDirs = "doc_dirs"
)

func init() {
	// Lucene/Anserini's BM25 parameters rather than Bleve's Elasticsearch
	// ones (1.2, 0.75): measured with shoulders eval --split train, they
	// rank the answer passage first for 2 points more SQuAD questions
	// (76.4% against 74.3%). Bleve reads them as package variables;
	// Shoulders sets them once, here.
	search.BM25_k1, search.BM25_b = 0.9, 0.4
}

// passageMapping indexes title and text with the English analyzer (Porter
// stemming, stop words, accents folded) under BM25, and stores what retrieval returns.
// Queries run against "body", title and text as one field, as Anserini
// indexes DPR's Wikipedia passages; a separate title field can be boosted
// on top (Options.TitleBoost).
// Term vectors are off: nothing reads them and they slow indexing.
func passageMapping() *mapping.IndexMappingImpl {
	text := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = AnalyzerName
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	keywordField := func(indexed bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Index = indexed
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = indexed
		return f
	}
	number := func(indexed bool) *mapping.FieldMapping {
		f := mapping.NewNumericFieldMapping()
		f.Index = indexed
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldDocID, keywordField(true))
	dm.AddFieldMappingsAt(fieldTitle, text())
	// Text is searched through body; indexing it on its own as well
	// would analyze every passage twice.
	stored := text()
	stored.Index = false
	dm.AddFieldMappingsAt(fieldText, stored)
	body := text()
	body.Store = false
	dm.AddFieldMappingsAt(fieldBody, body)
	dm.AddFieldMappingsAt(fieldSource, keywordField(false))
	dm.AddFieldMappingsAt(fieldOrdinal, number(true))
	dm.AddFieldMappingsAt(fieldStart, number(false))
	dm.AddFieldMappingsAt(fieldEnd, number(false))
	dm.AddFieldMappingsAt(fieldPassages, number(false))
	dm.AddFieldMappingsAt(fieldChars, number(false))
	dm.AddFieldMappingsAt(fieldMeta, keywordField(false))
	dm.AddFieldMappingsAt(fieldUpdated, keywordField(false))
	kv := keywordField(true)
	kv.Store, kv.DocValues = false, false
	dm.AddFieldMappingsAt(fieldMetaKV, kv)
	dirs := keywordField(true)
	dirs.Store, dirs.DocValues = false, false
	dm.AddFieldMappingsAt(fieldDocDirs, dirs)

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = AnalyzerName
	im.ScoringModel = bleveidx.BM25Scoring
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im
}

// bleveDoc is the shape of a passage handed to Bleve.
// bodyOf is what the body field indexes: the title, then the text.
func bodyOf(title, text string) string { return title + "\n" + text }

type bleveDoc struct {
	DocID   string  `json:"doc_id"`
	Title   string  `json:"title"`
	Text    string  `json:"text"`
	Body    string  `json:"body"`
	Source  string  `json:"source"`
	Ordinal float64 `json:"ordinal"`
	Start   float64 `json:"start"`
	End     float64 `json:"end"`

	Passages float64 `json:"doc_passages,omitempty"`
	Chars    float64 `json:"doc_chars,omitempty"`
	Meta     string  `json:"doc_metadata,omitempty"`
	Updated  string  `json:"doc_updated,omitempty"`

	MetaKV  []string `json:"doc_meta_kv,omitempty"`
	DocDirs []string `json:"doc_dirs,omitempty"`
}
