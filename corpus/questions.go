package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// QuestionFile streams questions with gold answers from r. Each line is
// either JSON ({"question", "answer"|"answers": [...]}, as in NQ-open,
// WebQuestions and CuratedTREC) or DPR's TSV form
// question<TAB>['answer', ...] with a Python-style list. With regex set the
// answers are regular expressions (CuratedTREC). IDs are name:line.
//
// A JSON line may instead, or also, name the passages or documents that
// answer it: "passage_ids" and "doc_ids" (ids as ingested, such as
// "docs/api.md#2" and "docs/api.md"), for questions labelled by hand.
func QuestionFile(ctx context.Context, r io.Reader, name, subset string, regex bool, fn func(Question) error) (Stats, error) {
	var st Stats
	r, err := maybeGunzip(r)
	if err != nil {
		return st, err
	}
	err = eachLine(ctx, r, name, &st, func(line []byte, n int) error {
		if isBlank(line) {
			return nil
		}
		q := Question{ID: fmt.Sprintf("%s:%d", subset, n-1), Subset: subset, Regex: regex}
		if line[0] == '{' {
			var v struct {
				ID       json.RawMessage `json:"id"`
				Question string          `json:"question"`
				Answer   []string        `json:"answer"`
				Answers  []string        `json:"answers"`
				Passages []string        `json:"passage_ids"`
				Docs     []string        `json:"doc_ids"`
			}
			if err := json.Unmarshal(line, &v); err != nil {
				st.skip(name, n, fmt.Errorf("invalid JSON: %w", err))
				return nil
			}
			q.Text, q.Answers = v.Question, append(v.Answer, v.Answers...)
			for _, id := range append(v.Passages, v.Docs...) {
				if id = strings.TrimSpace(id); id != "" {
					q.RelevantIDs = append(q.RelevantIDs, id)
				}
			}
			if id, err := jsonID(v.ID); err == nil && id != "" {
				q.ID = id
			}
		} else {
			tab := strings.LastIndexByte(string(line), '\t')
			if tab < 0 {
				st.skip(name, n, fmt.Errorf("want question<TAB>answers"))
				return nil
			}
			// DPR's files are written as CSV with a tab delimiter, so a
			// field holding quotes is itself quoted: "['a', ""b's""]".
			ans, err := ParsePyList(unquoteTSV(string(line[tab+1:])))
			if err != nil {
				st.skip(name, n, err)
				return nil
			}
			q.Text, q.Answers = unquoteTSV(string(line[:tab])), ans
		}
		if strings.TrimSpace(q.Text) == "" {
			st.skip(name, n, fmt.Errorf("question missing"))
			return nil
		}
		if len(q.Answers) == 0 && len(q.RelevantIDs) == 0 {
			st.skip(name, n, fmt.Errorf("answers (or passage_ids, doc_ids) missing"))
			return nil
		}
		st.Documents++
		return fn(q)
	})
	return st, err
}

// ParsePyList parses a Python list of string literals, as DPR writes its
// answers: ['a', "b's", 'c\'d'].
func ParsePyList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("answers are not a [list]: %.40q", s)
	}
	body := s[1 : len(s)-1]
	var out []string
	for i := 0; i < len(body); {
		switch c := body[i]; {
		case c == ' ' || c == ',':
			i++
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(body) && body[j] != c; j++ {
				if body[j] == '\\' && j+1 < len(body) {
					j++
					switch body[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'x':
						if j+2 < len(body) {
							if v, err := strconv.ParseUint(body[j+1:j+3], 16, 8); err == nil {
								b.WriteRune(rune(v))
								j += 2
								continue
							}
						}
						b.WriteByte('x')
					default:
						b.WriteByte(body[j])
					}
					continue
				}
				b.WriteByte(body[j])
			}
			if j >= len(body) {
				return nil, fmt.Errorf("unterminated string in answers")
			}
			out = append(out, b.String())
			i = j + 1
		default:
			return nil, fmt.Errorf("unexpected %q in answers list", c)
		}
	}
	return out, nil
}

// BEIRQueries reads BEIR queries: TSV id<TAB>text (with or without a
// header), or JSONL {"_id","text"}.
func BEIRQueries(ctx context.Context, r io.Reader, name string) (map[string]string, Stats, error) {
	var st Stats
	out := map[string]string{}
	r, err := maybeGunzip(r)
	if err != nil {
		return nil, st, err
	}
	err = eachLine(ctx, r, name, &st, func(line []byte, n int) error {
		if isBlank(line) {
			return nil
		}
		if line[0] == '{' {
			var v struct {
				ID   json.RawMessage `json:"_id"`
				Text string          `json:"text"`
			}
			if err := json.Unmarshal(line, &v); err != nil || v.Text == "" {
				st.skip(name, n, fmt.Errorf("invalid query line"))
				return nil
			}
			id, err := jsonID(v.ID)
			if err != nil || id == "" {
				st.skip(name, n, fmt.Errorf(`missing "_id"`))
				return nil
			}
			out[id] = v.Text
			return nil
		}
		id, text, ok := strings.Cut(string(line), "\t")
		if !ok {
			st.skip(name, n, fmt.Errorf("want id<TAB>text"))
			return nil
		}
		if n == 1 && (id == "query-id" || id == "id" || id == "_id") {
			return nil
		}
		out[id] = text
		return nil
	})
	return out, st, err
}

// Qrels reads relevance judgments: TREC "qid 0 docid grade" lines or
// BEIR's TSV query-id<TAB>corpus-id<TAB>score with a header.
func Qrels(ctx context.Context, r io.Reader, name string) (map[string]map[string]int, Stats, error) {
	var st Stats
	out := map[string]map[string]int{}
	r, err := maybeGunzip(r)
	if err != nil {
		return nil, st, err
	}
	err = eachLine(ctx, r, name, &st, func(line []byte, n int) error {
		f := strings.Fields(string(line))
		var q, d, g string
		switch len(f) {
		case 0:
			return nil
		case 3:
			if n == 1 && f[0] == "query-id" {
				return nil
			}
			q, d, g = f[0], f[1], f[2]
		case 4:
			q, d, g = f[0], f[2], f[3]
		default:
			st.skip(name, n, fmt.Errorf("want 'qid 0 docid grade' or 'qid<TAB>docid<TAB>grade'"))
			return nil
		}
		grade, err := strconv.Atoi(g)
		if err != nil {
			st.skip(name, n, fmt.Errorf("grade %q is not an integer", g))
			return nil
		}
		if out[q] == nil {
			out[q] = map[string]int{}
		}
		out[q][d] = grade
		return nil
	})
	return out, st, err
}
