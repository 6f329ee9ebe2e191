// Package eval owns measurement: answer normalization, exact match and F1,
// retrieval and packing metrics, BEIR ranking metrics, and the benchmark
// runs built on them. Every metric has exactly one implementation here,
// shared by the eval command, re-ranker training and the tests.
package eval
