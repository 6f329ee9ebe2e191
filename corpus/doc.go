// Package corpus owns the text that Shoulders answers from: documents,
// the passages they are cut into, the readers for every supported file
// format, and the question-answering datasets used to train and measure
// the pipeline.
//
// Readers stream: they hand one Document at a time to a callback, so a
// multi-gigabyte passage dump is never held in memory. A malformed record
// is reported as a Problem with its file name and line number and the
// reader goes on with the next one.
package corpus
