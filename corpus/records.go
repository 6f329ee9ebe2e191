package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// readJSONL reads generic JSONL: one {"id","title","text"} object a line,
// with optional "source" and "metadata". Records without an id get one
// derived from their content; records are chunked like any document.
func readJSONL(ctx context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	type rec struct {
		ID       json.RawMessage   `json:"id"`
		Title    string            `json:"title"`
		Text     *string           `json:"text"`
		Source   string            `json:"source"`
		Metadata map[string]string `json:"metadata"`
	}
	return eachLine(ctx, r, name, st, func(line []byte, n int) error {
		if isBlank(line) {
			return nil
		}
		var v rec
		if err := json.Unmarshal(line, &v); err != nil {
			st.skip(name, n, fmt.Errorf("invalid JSON: %w", err))
			return nil
		}
		if v.Text == nil {
			st.skip(name, n, fmt.Errorf(`missing "text"`))
			return nil
		}
		id, err := jsonID(v.ID)
		if err != nil {
			st.skip(name, n, err)
			return nil
		}
		if id == "" {
			id = ContentID(v.Title, *v.Text)
		}
		src := v.Source
		if src == "" {
			src = name
		}
		return emit(Document{ID: id, Title: v.Title, Text: *v.Text, Source: src, Metadata: v.Metadata})
	})
}

// jsonID accepts a string or integer id, as real-world JSONL uses both.
func jsonID(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf(`"id" must be a string or a number, got %s`, raw)
}

// readBEIR reads a BEIR corpus.jsonl: {"_id","title","text","metadata"}.
// Each record is already a retrieval unit.
func readBEIR(ctx context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	type rec struct {
		ID    json.RawMessage `json:"_id"`
		Title string          `json:"title"`
		Text  *string         `json:"text"`
	}
	return eachLine(ctx, r, name, st, func(line []byte, n int) error {
		if isBlank(line) {
			return nil
		}
		var v rec
		if err := json.Unmarshal(line, &v); err != nil {
			st.skip(name, n, fmt.Errorf("invalid JSON: %w", err))
			return nil
		}
		id, err := jsonID(v.ID)
		if err != nil || id == "" {
			st.skip(name, n, fmt.Errorf(`missing or invalid "_id"`))
			return nil
		}
		if v.Text == nil {
			st.skip(name, n, fmt.Errorf(`missing "text"`))
			return nil
		}
		return emit(Document{ID: id, Title: v.Title, Text: *v.Text, Source: name, Prechunked: true})
	})
}

// readDPR reads DPR's psgs_w100.tsv: a header line, then
// id<TAB>text<TAB>title, with text and title optionally CSV-quoted.
func readDPR(ctx context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	return eachLine(ctx, r, name, st, func(line []byte, n int) error {
		if isBlank(line) {
			return nil
		}
		f := strings.Split(string(line), "\t")
		if n == 1 && len(f) >= 1 && f[0] == "id" {
			return nil
		}
		if len(f) != 3 {
			st.skip(name, n, fmt.Errorf("want 3 tab-separated fields (id, text, title), got %d", len(f)))
			return nil
		}
		id := strings.TrimSpace(f[0])
		if id == "" {
			st.skip(name, n, fmt.Errorf("empty id"))
			return nil
		}
		return emit(Document{ID: id, Title: unquoteTSV(f[2]), Text: unquoteTSV(f[1]), Source: name, Prechunked: true})
	})
}

// unquoteTSV undoes the CSV-style quoting that DPR's dump uses for fields
// holding quotes: "a ""b"" c" -> a "b" c.
func unquoteTSV(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

// readNQ reads the NQ oracle JSONL: {"question","answers","ctxs":[{title,
// text,...}]}. Each distinct context passage becomes one document, so the
// same gold passage shared by several questions is indexed once.
func readNQ(ctx context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	seen := map[string]bool{}
	return eachLine(ctx, r, name, st, func(line []byte, n int) error {
		if isBlank(line) {
			return nil
		}
		var v nqRecord
		if err := json.Unmarshal(line, &v); err != nil {
			st.skip(name, n, fmt.Errorf("invalid JSON: %w", err))
			return nil
		}
		if len(v.Ctxs) == 0 {
			st.skip(name, n, fmt.Errorf(`no "ctxs"`))
			return nil
		}
		for _, c := range v.Ctxs {
			id := NQPassageDocID(c.Title, c.Text)
			if seen[id] {
				continue
			}
			seen[id] = true
			if err := emit(Document{ID: id, Title: c.Title, Text: c.Text, Source: name, Prechunked: true}); err != nil {
				return err
			}
		}
		return nil
	})
}

type nqRecord struct {
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Ctxs     []struct {
		Title  string `json:"title"`
		Text   string `json:"text"`
		IsGold bool   `json:"isgold"`
	} `json:"ctxs"`
}

// NQPassageDocID is the document ID given to an NQ oracle passage: a hash
// of its title and text, since the file carries no passage ids.
func NQPassageDocID(title, text string) string {
	return "nq-" + ContentID(title, text)
}
