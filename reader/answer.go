package reader

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/shoulders-qa/shoulders/retriever"
)

// Answer modes.
const (
	// ModeGenerated answers were written by the LM.
	ModeGenerated = "generated"
	// ModeEvidence answers are sentences extracted from the packed
	// passages, returned when no LM is configured, or when the LM failed
	// and the Reader falls back (see Reader.LMFallback).
	ModeEvidence = "evidence"
)

// A Citation ties a passage number in the answer to its passage.
type Citation struct {
	N         int    `json:"n"`
	PassageID string `json:"passage_id"`
	DocID     string `json:"doc_id"`
	Title     string `json:"title"`
	Source    string `json:"source,omitempty"`
	Text      string `json:"text"`
	// Quote is the part of the passage that the answer rests on, when
	// known (evidence answers).
	Quote string `json:"quote,omitempty"`
}

// An Answer is the result of asking a question.
type Answer struct {
	Question   string                `json:"question"`
	Collection string                `json:"collection"`
	Answer     string                `json:"answer"`
	Mode       string                `json:"mode"`
	Citations  []Citation            `json:"citations"`
	Packed     []Packed              `json:"packed"`
	Left       []retriever.Candidate `json:"left_out,omitempty"`
	Retrieval  string                `json:"retrieval"`
	Tokens     TokenReport           `json:"tokens"`
	Timing     Timing                `json:"timing"`
	Degraded   []string              `json:"degraded,omitempty"`
	Reranked   bool                  `json:"reranked"`
	Model      string                `json:"model,omitempty"`
	// LMError is why an LM that is configured did not write the answer,
	// when the Reader fell back to evidence.
	LMError *LMError `json:"lm_error,omitempty"`
	// Demos are the worked examples put before the question.
	Demos []Demo `json:"demos,omitempty"`
	// Recursion reports the passes of a recursive reading.
	Recursion *RecursionReport `json:"recursion,omitempty"`
}

// TokenReport accounts for the context: the budget, what packing used,
// and what the LM reported.
type TokenReport struct {
	Context int `json:"context"`
	Budget  int `json:"budget"`
	// Used counts passage and demo tokens; Demos the demos' part.
	Used       int    `json:"used"`
	Demos      int    `json:"demos,omitempty"`
	Counter    string `json:"counter"`
	Prompt     int    `json:"prompt,omitempty"`
	Completion int    `json:"completion,omitempty"`
}

// Timing reports milliseconds per stage.
type Timing struct {
	RetrieveMS float64 `json:"retrieve_ms"`
	RerankMS   float64 `json:"rerank_ms,omitempty"`
	PackMS     float64 `json:"pack_ms"`
	LMMS       float64 `json:"lm_ms,omitempty"`
	TotalMS    float64 `json:"total_ms"`
}

var citeRE = regexp.MustCompile(`\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]`)

// Cite finds the passage numbers cited in text ("[2]", "[1, 3]", "[1][2]")
// and maps them to the packed passages, in order of first mention.
// Numbers that name no packed passage are ignored.
func Cite(text string, packed []Packed) []Citation {
	seen := map[int]bool{}
	out := []Citation{}
	for _, m := range citeRE.FindAllStringSubmatch(text, -1) {
		for _, f := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 || n > len(packed) || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, citation(packed[n-1]))
		}
	}
	return out
}

func citation(p Packed) Citation {
	return Citation{N: p.N, PassageID: p.Passage.ID, DocID: p.Passage.DocID, Title: p.Passage.Title,
		Source: p.Passage.Source, Text: p.Passage.Text}
}

// StripCitations removes passage citations such as "[2]" or "[1, 3]" from
// a generated answer before it is scored.
func StripCitations(s string) string {
	return strings.TrimSpace(citationsRE.ReplaceAllString(s, ""))
}

var citationsRE = regexp.MustCompile(`\s*\[\s*\d+\s*(?:[,;]\s*\d+\s*)*\]`)
