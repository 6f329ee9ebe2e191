package corpus

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	text := "Dr. Smith met J. R. R. Tolkien in 1950. They talked! Did it rain? \"Yes.\" The U.S. team won.\n\nA heading\nNext line."
	var got []string
	for _, s := range Sentences(text) {
		got = append(got, text[s.Start:s.End])
	}
	want := []string{"Dr. Smith met J. R. R. Tolkien in 1950.", "They talked!", "Did it rain?", "\"Yes.\"", "The U.S. team won.", "A heading\nNext line."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestChunkerOnSentenceBoundaries(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 60; i++ {
		b.WriteString("This sentence has exactly seven words here. ")
	}
	d := Document{ID: "doc", Title: "T", Text: b.String()}
	ps := Chunker{Words: 50}.Split(d)
	if len(ps) < 8 || len(ps) > 9 {
		t.Fatalf("%d passages from 420 words at 50 words each", len(ps))
	}
	for i, p := range ps {
		if p.ID != PassageID("doc", i) || p.Ordinal != i || p.DocID != "doc" {
			t.Errorf("passage %d has id %q ordinal %d", i, p.ID, p.Ordinal)
		}
		if d.Text[p.Start:p.End] != p.Text {
			t.Errorf("passage %d offsets do not match its text", i)
		}
		if !strings.HasSuffix(p.Text, "here.") || !strings.HasPrefix(p.Text, "This") {
			t.Errorf("passage %d does not sit on sentence boundaries: %q", i, p.Text)
		}
		if n := len(strings.Fields(p.Text)); n > 63 {
			t.Errorf("passage %d has %d words", i, n)
		}
	}
}

func TestChunkerOverlap(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString("One two three four five. ")
	}
	d := Document{ID: "d", Text: b.String()}
	plain := Chunker{Words: 20}.Split(d)
	over := Chunker{Words: 20, Overlap: 10}.Split(d)
	if len(over) <= len(plain) {
		t.Fatalf("overlap gave %d passages, no overlap %d", len(over), len(plain))
	}
	for i := 1; i < len(over); i++ {
		if over[i].Start >= over[i-1].End {
			t.Fatalf("passage %d starts at %d, after the previous end %d: no overlap", i, over[i].Start, over[i-1].End)
		}
		if over[i].Start <= over[i-1].Start {
			t.Fatalf("passage %d does not move forward", i)
		}
	}
}

func TestChunkerCutsRunOnText(t *testing.T) {
	d := Document{ID: "d", Text: strings.Repeat("word ", 1000)}
	ps := Chunker{Words: 100}.Split(d)
	if len(ps) < 5 {
		t.Fatalf("a 1000-word sentence gave %d passages", len(ps))
	}
	for _, p := range ps {
		if n := len(strings.Fields(p.Text)); n > 200 {
			t.Fatalf("passage of %d words", n)
		}
	}
}

func TestPrechunkedStaysWhole(t *testing.T) {
	d := Document{ID: "p", Text: strings.Repeat("Long sentence goes on. ", 100), Prechunked: true}
	ps := Chunker{Words: 10}.Split(d)
	if len(ps) != 1 || ps[0].ID != "p#0" {
		t.Fatalf("prechunked document split into %d passages", len(ps))
	}
}

// A section heading opens the passage of its section rather than closing
// the one before, in the text the Markdown reader makes of a document.
func TestChunkerStartsPassagesAtHeadings(t *testing.T) {
	headings := []string{"Night rota", "Expense claims", "Roof garden"}
	var md strings.Builder
	md.WriteString("# Handbook\n\n")
	for s, heading := range headings {
		fmt.Fprintf(&md, "## %s\n\n", heading)
		for range 3 + s {
			md.WriteString("Every team keeps its own notes in the shared folder, dated and signed by whoever wrote them. ")
		}
		// A short last paragraph stays with its section.
		md.WriteString("\n\nThe rule was agreed at the spring meeting.\n\n")
	}
	var docs []Document
	if _, err := Read(context.Background(), strings.NewReader(md.String()), "handbook.md", Markdown, func(d Document) error {
		docs = append(docs, d)
		return nil
	}); err != nil || len(docs) != 1 {
		t.Fatalf("%d documents, %v", len(docs), err)
	}
	ps := Chunker{Words: 70}.Split(docs[0])
	var starts []string
	for i, p := range ps {
		first, _, _ := strings.Cut(p.Text, "\n")
		starts = append(starts, first)
		for _, h := range headings {
			if strings.HasSuffix(p.Text, h) {
				t.Errorf("passage %d ends with the heading %q", i, h)
			}
		}
	}
	for _, h := range headings[1:] {
		if !slices.Contains(starts, h) {
			t.Errorf("no passage starts with %q; passages start with %q", h, starts)
		}
	}
	if slices.Contains(starts, "The rule was agreed at the spring meeting.") {
		t.Errorf("a section's last paragraph opens a passage: %q", starts)
	}
}

// A passage does not end with a lead-in: "For a local server:" goes with
// the command it announces.
func TestChunkerKeepsALeadInWithWhatFollows(t *testing.T) {
	text := strings.Repeat("Every team keeps notes. ", 6) + "Set the address and model.\n\nFor example, for a local server:\n\nserve --addr 127.0.0.1:8000\n\nThat is all."
	ps := Chunker{Words: 20}.Split(Document{ID: "d", Text: text})
	if len(ps) < 2 {
		t.Fatalf("want the text cut, got %d passages", len(ps))
	}
	for i, p := range ps {
		if strings.HasSuffix(p.Text, ":") {
			t.Errorf("passage %d ends with a lead-in: %q", i, p.Text)
		}
		if strings.Contains(p.Text, "server:") && !strings.Contains(p.Text, "serve --addr") {
			t.Errorf("passage %d parts the lead-in from its command: %q", i, p.Text)
		}
	}
}

// A heading is a short line standing alone without a sentence's closing
// mark; a sentence, a line within a paragraph and a long line are not.
// The chunker's test (first) also takes a lead-in standing alone and a
// table row, where a passage may open too; IsHeading (second) does not.
func TestIsHeading(t *testing.T) {
	for text, want := range map[string][2]bool{
		"Intro.\n\n[Night rota]\n\nText.":                             {true, true},
		"[Night rota]\n\nText.":                                       {true, true},
		"Intro.\n\n[The rule was agreed.]\n\nText.":                   {false, false},
		"Intro.\n[Night rota]\n\nText.":                               {false, false},
		"Intro.\n\n[Night rota]\nText.":                               {false, false},
		"Intro.\n\n[Night rota]":                                      {false, false},
		"Intro.\n\n[" + strings.Repeat("word ", 13) + "end]\n\nText.": {false, false},
		"Intro.\n\n[To restore, run]\n\nx":                            {true, false},
		"Intro.\n\n[SHOULDERS_ADDR | 8080]\n\nx":                      {true, false},
	} {
		start, end := strings.Index(text, "["), strings.Index(text, "]")
		plain := text[:start] + text[start+1:end] + text[end+1:]
		u := Span{start, end - 1}
		got := [2]bool{isHeading(plain, u, len(strings.Fields(plain[u.Start:u.End]))), IsHeading(plain, u)}
		if got != want {
			t.Errorf("%q: heading %v, want %v", plain, got, want)
		}
	}
}
