package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/shoulders-qa/shoulders/corpus"
)

// topIDs is how many of a question's best candidates its record names.
const topIDs = 10

// A QuestionResult is one question's outcome in a QARun: what the
// summary tables average, kept per question so that runs can be paired,
// joined with other systems' outputs by question ID, or read one by one.
type QuestionResult struct {
	ID       string   `json:"id"`
	Subset   string   `json:"subset,omitempty"`
	Question string   `json:"question"`
	Answers  []string `json:"answers,omitempty"`
	// FirstHit is the rank, from 1, of the first answer-bearing
	// candidate; 0 when none of them holds an answer.
	FirstHit int `json:"first_hit"`
	// Top are the IDs of the best candidates, best first.
	Top []string `json:"top"`
	// InBudget says, per token budget, whether the packed context held an
	// answer; Packed how many passages it held.
	InBudget map[string]bool `json:"in_budget"`
	Packed   map[string]int  `json:"packed"`
	// Answer is the LM's answer, citations stripped; Evidence, without an
	// LM, the evidence answer and whether it holds a gold answer.
	Answer      string   `json:"answer,omitempty"`
	EM          *float64 `json:"em,omitempty"`
	F1          *float64 `json:"f1,omitempty"`
	Evidence    string   `json:"evidence,omitempty"`
	EvidenceHit *bool    `json:"evidence_hit,omitempty"`
}

func (r QARun) questions(qs []corpus.Question, out []qaOutcome, budgets []int) []QuestionResult {
	res := make([]QuestionResult, len(out))
	for i, o := range out {
		q := QuestionResult{ID: qs[i].ID, Subset: o.subset, Question: qs[i].Text, Answers: qs[i].Answers, FirstHit: o.first,
			Top: o.top, InBudget: map[string]bool{}, Packed: map[string]int{}}
		for bi, b := range budgets {
			q.InBudget[strconv.Itoa(b)], q.Packed[strconv.Itoa(b)] = o.inBudget[bi], o.packed[bi]
		}
		switch {
		case r.LM != nil && len(o.reads) > 0:
			q.Answer = o.reads[0].text
			if o.scored {
				em, f1 := o.em, o.f1
				q.EM, q.F1 = &em, &f1
			}
		case o.scored:
			hit := o.evidence
			q.Evidence, q.EvidenceHit = o.evText, &hit
		}
		res[i] = q
	}
	return res
}

// WriteQuestions writes one JSON object per question, as JSON Lines.
func WriteQuestions(w io.Writer, qs []QuestionResult) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, q := range qs {
		if err := enc.Encode(q); err != nil {
			return err
		}
	}
	return nil
}

// ReadQuestions reads what WriteQuestions wrote. A question ID given
// twice is an error: pairing by ID would be ambiguous.
func ReadQuestions(r io.Reader, name string) ([]QuestionResult, error) {
	dec := json.NewDecoder(r)
	seen := map[string]bool{}
	var out []QuestionResult
	for line := 1; ; line++ {
		var q QuestionResult
		if err := dec.Decode(&q); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", name, line, err)
		}
		if q.ID == "" {
			return nil, fmt.Errorf("%s: record %d has no id", name, line)
		}
		if seen[q.ID] {
			return nil, fmt.Errorf("%s: question %q appears twice", name, q.ID)
		}
		seen[q.ID] = true
		out = append(out, q)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no questions", name)
	}
	return out, nil
}
