// Package rerank is the trainable re-ranker of the frozen-reader
// pipeline: it reads the question together with each of the 100+
// candidates and scores them, so that greedy packing puts the
// answer-bearing passages inside the LM's limited context.
//
// A candidate is described by interaction features (features.go, which
// read where the question's terms fall in it: hits.go) and by a small
// neural interaction component, kernel pooling over question-by-passage
// similarities of learned hashed word vectors (knrm.go); a small MLP
// (model.go) combines both. Training (train.go) is listwise — softmax
// cross-entropy over each question's candidate list, positives being the
// candidates that contain a gold answer — with Adam, early stopping on a
// held-out slice of the training questions and a fixed seed.
package rerank
