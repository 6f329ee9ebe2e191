package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/corpus"
)

// The export reads the log as the server writes it and gives a file that
// train-reranker and eval read as questions labelled with passage ids.
func TestFeedbackExport(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "feedback.jsonl")
	var lines []string
	for _, r := range []api.FeedbackRequest{
		{Kind: "passage", Helpful: true, Question: "How is the LM set?", Collection: "default", PassageID: "guide.md#0"},
		{Kind: "passage", Helpful: true, Question: "How is the LM set?", Collection: "default", PassageID: "guide.md#1"},
		{Kind: "passage", Helpful: false, Question: "How is the LM set?", Collection: "default", PassageID: "guide.md#1"}, // changed their mind
		{Kind: "answer", Helpful: true, Question: "How is the LM set?", Collection: "default", Answer: "With SHOULDERS_LM_URL."},
		{Kind: "passage", Helpful: false, Question: "What is packing?", Collection: "default", PassageID: "guide.md#4"},
		{Kind: "passage", Helpful: true, Question: "How is the LM set?", Collection: "notes", PassageID: "standup.md#2"},
		{Kind: "passage", Helpful: true, Question: " Where do indexes live? ", Collection: "default", PassageID: "ops.md#3"},
	} {
		b, _ := json.Marshal(struct {
			Time time.Time `json:"time"`
			api.FeedbackRequest
		}{time.Now(), r})
		lines = append(lines, string(b))
	}
	if err := os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(args ...string) []corpus.Question {
		t.Helper()
		out := filepath.Join(dir, "labelled.jsonl")
		if err := run(t, dir, append([]string{"feedback", "export", "--file", log, "--out", out}, args...)...); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var qs []corpus.Question
		st, err := corpus.QuestionFile(context.Background(), f, out, "questions", false, func(q corpus.Question) error { qs = append(qs, q); return nil })
		if err != nil || st.Skipped > 0 {
			t.Fatalf("exported file: %v %v", err, st.Problems)
		}
		return qs
	}
	qs := read()
	got := make([]string, len(qs))
	for i, q := range qs {
		got[i] = q.Text + " " + strings.Join(q.RelevantIDs, ",")
	}
	want := []string{"How is the LM set? guide.md#0", "How is the LM set? standup.md#2", "Where do indexes live? ops.md#3"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("exported %q, want %q", got, want)
	}
	if qs := read("-c", "notes"); len(qs) != 1 || qs[0].RelevantIDs[0] != "standup.md#2" {
		t.Fatalf("notes only: %+v", qs)
	}

	// A crash mid-write leaves an unfinished last line, never acknowledged.
	if err := os.WriteFile(log, []byte(lines[0]+"\n"+lines[1][:20]), 0o644); err != nil {
		t.Fatal(err)
	}
	if qs := read(); len(qs) != 1 || qs[0].RelevantIDs[0] != "guide.md#0" {
		t.Fatalf("after a torn write: %+v", qs)
	}
	if err := os.WriteFile(log, []byte(lines[0]+"\n{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(t, dir, "feedback", "export", "--file", log, "--out", filepath.Join(dir, "x.jsonl"))
	if err == nil || !strings.Contains(err.Error(), "feedback.jsonl:2") {
		t.Fatalf("a broken line: %v", err)
	}
}
