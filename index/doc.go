// Package index owns the stores that passages are retrieved from: the
// embedded Bleve index (BM25 over title and text, and the stored text that
// every other stage reads) and, beside it, the vector index.
//
// Each collection has its own Bleve index under the data folder, so term
// statistics, documents and deletes never cross collections. Bleve is the
// record of what was acknowledged: a write returns only after Bleve has
// persisted it.
package index
