package rerank

import (
	"math"

	"github.com/shoulders-qa/shoulders/retriever"
)

// FeatureNames lists the interaction features in the order of the vector;
// a model records them and refuses a build with a different list.
var FeatureNames = []string{
	"bm25_norm", "bm25_rrank", "dense_sim", "dense_rrank", "list_rrank",
	"cover_idf", "cover_title", "cover_bigram", "best_sentence", "proximity",
	"longest_run", "log_length", "tf_sat",
	"when_years", "howmany_numbers", "who_names", "where_names", "what_names",
	"best_sentence_novel",
	"cover_vs_best", "sentence_vs_best", "proximity_vs_best",
}

// relative are the features compared across the list: how a candidate's
// coverage, best sentence and proximity stand against the best candidate's.
// A passage is a good answer source not by itself but against the others.
var relative = [][2]int{{5, 19}, {8, 20}, {9, 21}}

// addRelative fills the relative features of a whole list.
func addRelative(feats [][]float64) {
	for _, r := range relative {
		best := 0.0
		for _, f := range feats {
			best = math.Max(best, f[r[0]])
		}
		for _, f := range feats {
			f[r[1]] = f[r[0]] - best
		}
	}
}

// A query is a question analyzed once for all its candidates.
type query struct {
	terms   []string // distinct analyzed terms, in order
	seq     []string // analyzed terms in order, with repeats
	idf     map[string]float64
	idfSum  float64
	bigrams map[[2]string]bool
	qtype   int
	words   map[string]bool // lower-cased raw words, to tell answer material
}

func newQuery(text string, terms []string, idf func(string) float64) *query {
	q := &query{seq: terms, idf: map[string]float64{}, bigrams: map[[2]string]bool{}, qtype: questionType(text), words: map[string]bool{}}
	for _, t := range terms {
		if _, ok := q.idf[t]; !ok {
			q.idf[t] = idf(t)
			q.idfSum += q.idf[t]
			q.terms = append(q.terms, t)
		}
	}
	for i := 0; i+1 < len(terms); i++ {
		q.bigrams[[2]string{terms[i], terms[i+1]}] = true
	}
	for _, w := range splitWords(text) {
		q.words[w] = true
	}
	return q
}

// features computes the interaction features of one candidate. list
// holds the whole candidate list, for score normalization.
func features(q *query, d *doc, c retriever.Candidate, listMax map[string]float64) []float64 {
	f := make([]float64, len(FeatureNames))
	for _, s := range c.Sources {
		switch s.Retriever {
		case "bm25", "weaviate-bm25":
			if m := listMax[s.Retriever]; m > 0 {
				f[0] = s.Score / m
			}
			f[1] = 1 / float64(s.Rank)
		case "dense":
			f[2] = s.Score
			f[3] = 1 / float64(s.Rank)
		}
	}
	f[4] = 1 / float64(max(c.Rank, 1))
	if q.idfSum == 0 {
		return f
	}
	tf := map[string]int{}
	for _, t := range d.terms {
		tf[t]++
	}
	title := map[string]bool{}
	for _, t := range d.title {
		title[t] = true
	}
	var cover, coverTitle, tfSat float64
	for _, t := range q.terms {
		if n := tf[t]; n > 0 {
			cover += q.idf[t]
			tfSat += q.idf[t] * float64(n) / (float64(n) + 1.2)
		}
		if title[t] {
			coverTitle += q.idf[t]
		}
	}
	f[5] = cover / q.idfSum
	f[6] = coverTitle / q.idfSum
	if len(q.bigrams) > 0 {
		hit := map[[2]string]bool{}
		for i := 0; i+1 < len(d.terms); i++ {
			b := [2]string{d.terms[i], d.terms[i+1]}
			if q.bigrams[b] {
				hit[b] = true
			}
		}
		f[7] = float64(len(hit)) / float64(len(q.bigrams))
	}
	best, bestIdx := 0.0, -1
	for i, s := range d.sentences {
		seen := map[string]bool{}
		sum := 0.0
		for _, t := range s {
			if w, ok := q.idf[t]; ok && !seen[t] {
				seen[t] = true
				sum += w
			}
		}
		if sum > best {
			best, bestIdx = sum, i
		}
	}
	f[8] = best / q.idfSum
	f[9] = proximity(q, d.terms)
	f[10] = float64(longestRun(q.seq, d.terms)) / float64(max(len(q.seq), 1))
	f[11] = math.Log1p(float64(d.words)) / 5
	f[12] = tfSat / q.idfSum
	if bestIdx >= 0 {
		cu := sentenceCues(d.sentRaw[bestIdx], q.words)
		on := func(n int) float64 { return math.Min(1, float64(n)) }
		switch q.qtype {
		case qWhen:
			f[13] = on(cu.years)
		case qHowMany:
			f[14] = on(cu.numbers + cu.years)
		case qWho:
			f[15] = on(cu.names)
		case qWhere:
			f[16] = on(cu.names)
		case qWhat:
			f[17] = on(cu.names + cu.numbers + cu.years)
		}
		novel := 0
		for _, t := range d.sentences[bestIdx] {
			if _, ok := q.idf[t]; !ok {
				novel++
			}
		}
		f[18] = float64(novel) / float64(len(d.sentences[bestIdx])+1)
	}
	return f
}

// proximity is the number of distinct question terms matched divided by
// the length of the smallest window of the passage holding all of them:
// 1 when they sit side by side, near 0 when scattered.
func proximity(q *query, terms []string) float64 {
	want := map[string]bool{}
	for _, t := range terms {
		if _, ok := q.idf[t]; ok {
			want[t] = true
		}
	}
	k := len(want)
	if k == 0 {
		return 0
	}
	if k == 1 {
		return 1
	}
	count := map[string]int{}
	have, best, lo := 0, len(terms)+1, 0
	for hi, t := range terms {
		if !want[t] {
			continue
		}
		if count[t] == 0 {
			have++
		}
		count[t]++
		for have == k {
			if w := hi - lo + 1; w < best {
				best = w
			}
			if lt := terms[lo]; want[lt] {
				count[lt]--
				if count[lt] == 0 {
					have--
				}
			}
			lo++
		}
	}
	return float64(k) / float64(best)
}

// longestRun is the length of the longest run of consecutive question
// terms that also appears consecutively in the passage.
func longestRun(q, d []string) int {
	best := 0
	prev := make([]int, len(d)+1)
	cur := make([]int, len(d)+1)
	for i := 1; i <= len(q); i++ {
		for j := 1; j <= len(d); j++ {
			if q[i-1] == d[j-1] {
				cur[j] = prev[j-1] + 1
				if cur[j] > best {
					best = cur[j]
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}
