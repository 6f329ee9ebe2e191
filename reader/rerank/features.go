package rerank

import (
	"math"
	"math/bits"

	"github.com/shoulders-qa/shoulders/retriever"
)

// The features of a candidate, in the order of its vector.
const (
	fBM25Norm = iota // BM25 score over the list's best
	fBM25RRank
	fDenseSim
	fDenseRRank
	fListRRank
	fCoverIDF // IDF-weighted share of question terms present
	fCoverTitle
	fCoverBigram
	fBestSentence // the best single sentence's share
	fProximity
	fLongestRun
	fLogLength
	fTFSat
	fWhenYears // answer-type cues in the best sentence
	fHowManyNumbers
	fWhoNames
	fWhereNames
	fWhatNames
	fBestSentenceNovel
	fCoverVsBest // against the list's best candidate
	fSentenceVsBest
	fProximityVsBest
	fCoverLocal // weighted by rarity in the list rather than the collection
	fBestSentenceLocal
	fCoverFuzzy // misspellings forgiven
	fMissingRarest
	fMissingRarestLocal
	fBestSentenceTitleLocal
	fBestWindowLocal
	fCoverSyn // WordNet relatives count as matches
	fBestSentenceSyn
	fTitleShare
	fCoverTitleLocal
	fTitleAsked // the share of the title's name the question holds
	fTitleAllAsked
	fTitleKindAsked
	fHowManyCounted // a number followed by what the question counts
	fCoverDef       // terms related through definitions count too
	fBestSentenceDef
	numFeatures
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
	"cover_local", "best_sentence_local", "cover_fuzzy",
	"missing_rarest", "missing_rarest_local",
	"best_sentence_title_local", "best_window_local",
	"cover_syn", "best_sentence_syn",
	"title_share", "cover_title_local",
	"title_asked", "title_all_asked", "title_kind_asked",
	"howmany_counted", "cover_def", "best_sentence_def",
}

// features computes the interaction features of one candidate of q's
// list; listMax holds each retriever's best score in it.
func features(q *query, d *doc, h *hits, c retriever.Candidate, listMax map[string]float64) []float64 {
	f := make([]float64, numFeatures)
	for _, s := range c.Sources {
		switch s.Retriever {
		case "bm25", "weaviate-bm25":
			if m := listMax[s.Retriever]; m > 0 {
				f[fBM25Norm] = s.Score / m
			}
			f[fBM25RRank] = 1 / float64(s.Rank)
		case "dense":
			f[fDenseSim] = s.Score
			f[fDenseRRank] = 1 / float64(s.Rank)
		}
	}
	f[fListRRank] = 1 / float64(max(c.Rank, 1))
	if q.n > 0 {
		f[fTitleShare] = float64(q.titles[d.titleRaw]) / float64(q.n)
	}
	q.titleAsked(d, f)
	if q.idfSum == 0 {
		return f
	}
	title := d.titleSet
	var cover, coverTitle, tfSat, coverLocal, coverFuzzy, titleLocal, titleLocalSum float64
	var missMax, missMaxLocal, maxIDF, maxLocal float64
	for i, t := range q.terms {
		n := d.tf[t]
		maxIDF, maxLocal = math.Max(maxIDF, q.idf[i]), math.Max(maxLocal, q.lidf[i])
		titleLocalSum += q.tidf[i]
		if title[t] {
			coverTitle += q.idf[i]
			titleLocal += q.tidf[i]
		}
		if n > 0 {
			cover += q.idf[i]
			coverLocal += q.lidf[i]
			coverFuzzy += q.idf[i]
			tfSat += q.idf[i] * float64(n) / (float64(n) + 1.2)
			continue
		}
		missMax, missMaxLocal = math.Max(missMax, q.idf[i]), math.Max(missMaxLocal, q.lidf[i])
		for _, v := range q.near[t] {
			if d.tf[v] > 0 {
				coverFuzzy += q.idf[i]
				break
			}
		}
	}
	f[fCoverIDF] = cover / q.idfSum
	f[fCoverTitle] = coverTitle / q.idfSum
	f[fCoverFuzzy] = coverFuzzy / q.idfSum
	f[fTFSat] = tfSat / q.idfSum
	f[fMissingRarest] = ratio(missMax, maxIDF)
	f[fMissingRarestLocal] = ratio(missMaxLocal, maxLocal)
	f[fCoverLocal] = ratio(coverLocal, q.lidfSum)
	f[fCoverTitleLocal] = ratio(titleLocal, titleLocalSum)
	if len(q.bigrams) > 0 {
		var hit uint64
		for i := 0; i+1 < len(d.terms); i++ {
			if h.exact[i] == 0 || h.exact[i+1] == 0 {
				continue
			}
			if n, ok := q.bigrams[[2]string{d.terms[i], d.terms[i+1]}]; ok {
				hit |= 1 << (n % 64)
			}
		}
		f[fCoverBigram] = float64(bits.OnesCount64(hit)) / float64(len(q.bigrams))
	}
	f[fProximity] = proximity(h.exact)
	f[fLongestRun] = float64(longestRun(q.seq, q.seqBits, d.terms, h.exact)) / float64(max(len(q.seq), 1))
	f[fLogLength] = math.Log1p(float64(d.words)) / 5
	if counts(d.text, q.counted) {
		f[fHowManyCounted] = 1
	}
	sentences(q, d, h, f)
	f[fCoverSyn] = ratio(weight(all(h.soft), q.lidf), q.lidfSum)
	f[fCoverDef] = ratio(weight(h.def|h.titleSoft, q.lidf), q.lidfSum)
	return f
}

// titleAsked fills how much of the passage's title the question names.
// Coverage features ask how much of the question a title holds; this asks
// the converse, which tells the article about the question's subject
// ("Roman Empire") from those that merely mention it ("Fall of the Western
// Roman Empire"). A title's kind ("film", "novel", "season 7") counts when
// the question names it or a relative ("movie", "book").
func (q *query) titleAsked(d *doc, f []float64) {
	if len(d.titleName) > 0 {
		n := 0
		for _, t := range d.titleName {
			if q.asks(t) {
				n++
			}
		}
		f[fTitleAsked] = float64(n) / float64(len(d.titleName))
		if n == len(d.titleName) {
			f[fTitleAllAsked] = 1
		}
	}
	for _, t := range d.titleKind {
		if q.asks(t) {
			f[fTitleKindAsked] = 1
			break
		}
	}
}

// asks says whether the question holds t or a WordNet relative of it.
func (q *query) asks(t string) bool {
	if _, ok := q.bit[t]; ok {
		return true
	}
	for r := range q.lex.Related(t) {
		if _, ok := q.bit[r]; ok {
			return true
		}
	}
	return false
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// sentences fills the features of the passage's best sentences: the
// best by collection IDF (and the answer material it holds), by local
// rarity alone, with the title's terms (a sentence says "he" where the
// question names the article's subject), with WordNet relatives (the
// title's counting too: "Most Valuable Player" for "mvp"), and the
// best pair of neighbouring sentences.
func sentences(q *query, d *doc, h *hits, f []float64) {
	title := h.title
	var best, local, withTitle, pair, syn, def float64
	bestIdx := -1
	var prev uint64
	for i, m := range h.sentExact {
		if w := weight(m, q.idf); w > best {
			best, bestIdx = w, i
		}
		local = math.Max(local, weight(m, q.lidf))
		withTitle = math.Max(withTitle, weight(m|title, q.lidf))
		pair = math.Max(pair, weight(m|prev, q.lidf))
		syn = math.Max(syn, weight(h.sentSoft[i]|h.titleSoft, q.lidf))
		def = math.Max(def, weight(h.sentDef[i]|h.titleSoft, q.lidf))
		prev = m
	}
	f[fBestSentence] = best / q.idfSum
	f[fBestSentenceLocal] = ratio(local, q.lidfSum)
	f[fBestSentenceTitleLocal] = ratio(withTitle, q.lidfSum)
	f[fBestWindowLocal] = ratio(pair, q.lidfSum)
	f[fBestSentenceSyn] = ratio(syn, q.lidfSum)
	f[fBestSentenceDef] = ratio(def, q.lidfSum)
	if bestIdx < 0 {
		return
	}
	cu := sentenceCues(d.sentence(bestIdx), q.words)
	on := func(n int) float64 { return math.Min(1, float64(n)) }
	switch q.qtype {
	case qWhen:
		f[fWhenYears] = on(cu.years)
	case qHowMany:
		f[fHowManyNumbers] = on(cu.numbers + cu.years)
	case qWho:
		f[fWhoNames] = on(cu.names)
	case qWhere:
		f[fWhereNames] = on(cu.names)
	case qWhat:
		f[fWhatNames] = on(cu.names + cu.numbers + cu.years)
	}
	novel := 0
	for _, t := range d.sentences[bestIdx] {
		if _, ok := q.bit[t]; !ok {
			novel++
		}
	}
	f[fBestSentenceNovel] = float64(novel) / float64(len(d.sentences[bestIdx])+1)
}

// relative are the features compared across the list: how a candidate's
// coverage, best sentence and proximity stand against the best candidate's.
// A passage is a good answer source not by itself but against the others.
var relative = [][2]int{{fCoverIDF, fCoverVsBest}, {fBestSentence, fSentenceVsBest}, {fProximity, fProximityVsBest}}

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
