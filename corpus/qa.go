package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
)

// A Question is one item of a QA dataset.
type Question struct {
	ID      string   `json:"id"`
	Text    string   `json:"question"`
	Answers []string `json:"answers"`
	// Regex marks answers that are regular expressions (CuratedTREC).
	Regex bool `json:"regex,omitempty"`
	// Subset names the part of a mixed dataset the question comes from.
	Subset string `json:"subset,omitempty"`
	Split  string `json:"split,omitempty"`
	// GoldDocIDs are documents known to hold the answer, when the dataset says.
	GoldDocIDs []string `json:"gold_doc_ids,omitempty"`
	// RelevantIDs are passages or documents judged to answer the question,
	// for data labelled by hand rather than with answer strings: a passage
	// is relevant when its id or its document's id is listed.
	RelevantIDs []string `json:"relevant_ids,omitempty"`
}

// Splits of the QA-mix benchmark.
const (
	SplitTrain = "train"
	SplitDev   = "dev"
)

// SQuADQuestions streams the questions of a SQuAD file with the QA-mix
// split: articles with an even 0-based index are train, the others dev.
func SQuADQuestions(ctx context.Context, r io.Reader, name string, fn func(Question) error) error {
	return eachSQuADArticle(ctx, r, name, func(i int, a squadArticle) error {
		split := SplitTrain
		if i%2 == 1 {
			split = SplitDev
		}
		for p, para := range a.Paragraphs {
			for _, qa := range para.QAs {
				q := Question{ID: qa.ID, Text: qa.Question, Subset: "squad", Split: split,
					GoldDocIDs: []string{SQuADDocID(a.Title, p)}}
				for _, ans := range qa.Answers {
					q.Answers = append(q.Answers, ans.Text)
				}
				if err := fn(q); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// NQOracleQuestions streams the questions of the NQ oracle file with the
// QA-mix split: 0-based line numbers divisible by 5 are dev, others train.
func NQOracleQuestions(ctx context.Context, r io.Reader, name string, fn func(Question) error) error {
	var st Stats
	err := eachLine(ctx, r, name, &st, func(line []byte, n int) error {
		if isBlank(line) {
			return nil
		}
		var v nqRecord
		if err := json.Unmarshal(line, &v); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
		split := SplitTrain
		if (n-1)%5 == 0 {
			split = SplitDev
		}
		q := Question{ID: fmt.Sprintf("nq-%d", n-1), Text: v.Question, Answers: v.Answers, Subset: "nq", Split: split}
		for _, c := range v.Ctxs {
			if c.IsGold {
				q.GoldDocIDs = append(q.GoldDocIDs, NQPassageDocID(c.Title, c.Text))
			}
		}
		return fn(q)
	})
	if err == nil && st.Skipped > 0 {
		err = fmt.Errorf("%s", st.Problems[0])
	}
	return err
}

// QAMix is the QA-mix benchmark of the shared data: every SQuAD dev
// paragraph plus every unique NQ oracle passage, and all their questions.
type QAMix struct {
	Documents []Document
	Questions []Question
}

// QAMix file locations under the shared data folder.
const (
	SQuADDevPath  = "squad/dev-v1.1.json.gz"
	NQOraclePath  = "nq/nq-open-oracle.jsonl.gz"
	SciFactCorpus = "scifact/corpus.jsonl.gz"
)

// LoadQAMix reads QA-mix from the shared data folder dataDir.
func LoadQAMix(ctx context.Context, dataDir string) (*QAMix, error) {
	m := &QAMix{}
	addDoc := func(d Document) error { m.Documents = append(m.Documents, d); return nil }
	addQ := func(q Question) error { m.Questions = append(m.Questions, q); return nil }
	for _, step := range []struct {
		path string
		docs Format
		qs   func(context.Context, io.Reader, string, func(Question) error) error
	}{
		{SQuADDevPath, SQuAD, SQuADQuestions},
		{NQOraclePath, NQ, NQOracleQuestions},
	} {
		path := filepath.Join(dataDir, step.path)
		st, err := ReadFile(ctx, path, step.docs, addDoc)
		if err != nil {
			return nil, err
		}
		if st.Skipped > 0 {
			return nil, fmt.Errorf("%s: %d malformed records, first: %s", path, st.Skipped, st.Problems[0])
		}
		r, err := Open(path)
		if err != nil {
			return nil, err
		}
		err = step.qs(ctx, r, path, addQ)
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}
