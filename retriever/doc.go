// Package retriever turns a question into a ranked list of candidate
// passages. Each retriever (BM25, dense, hybrid) returns Candidates that
// remember which retriever found them, at what rank and with what score,
// so later stages and the evaluation can tell the sources apart.
package retriever
