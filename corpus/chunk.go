package corpus

import (
	"strings"
)

// A Chunker cuts documents into passages of about Words words, on sentence
// boundaries, repeating about Overlap words of the previous passage at the
// start of the next. The zero value uses DefaultChunkWords and no overlap.
type Chunker struct {
	Words   int
	Overlap int
}

// DefaultChunkWords is the passage length of DPR and of the frozen-reader
// setup: 100 words.
const DefaultChunkWords = 100

// Split returns the passages of d. Prechunked documents become a single
// passage. A sentence longer than twice the target is cut at word
// boundaries so that no passage grows without bound.
func (c Chunker) Split(d Document) []Passage {
	words := c.Words
	if words <= 0 {
		words = DefaultChunkWords
	}
	overlap := c.Overlap
	if overlap < 0 || overlap >= words {
		overlap = 0
	}
	text := d.Text
	if d.Prechunked {
		s := strings.TrimSpace(text)
		if s == "" {
			return nil
		}
		start := strings.Index(text, s)
		return []Passage{c.passage(d, 0, start, start+len(s))}
	}
	units := splitLong(text, Sentences(text), 2*words)
	counts := make([]int, len(units))
	heads := make([]bool, len(units))
	leads := make([]bool, len(units)) // "For a local server:", before what it announces
	for i, u := range units {
		counts[i] = len(strings.Fields(text[u.Start:u.End]))
		heads[i] = isHeading(text, u, counts[i])
		leads[i] = strings.HasSuffix(text[u.Start:u.End], ":")
	}
	var out []Passage
	for i := 0; i < len(units); {
		n, j := 0, i
		for j < len(units) && (n == 0 || n+counts[j] <= words+words/4) {
			// A heading opens the next passage once this one has a body,
			// so that a section's title is found with its text (a short
			// line after a lead-in is what it announces, not a heading).
			if heads[j] && n > 0 && n >= words/3 && !leads[j-1] {
				break
			}
			n += counts[j]
			j++
			if n >= words {
				break
			}
		}
		if j < len(units) && j-1 > i && (heads[j-1] || leads[j-1]) {
			j-- // nor does a passage end with a heading or a lead-in: it leads the next
		} else if j < len(units) && !heads[j] {
			// A short tail of the section goes with it when it fits, so
			// that the next passage can open at the next heading.
			k, tail := j, 0
			for k < len(units) && !heads[k] && tail < words/3 {
				tail += counts[k]
				k++
			}
			if k < len(units) && heads[k] && tail < words/3 && n+tail <= words+words/4 {
				j = k
			}
		}
		out = append(out, c.passage(d, len(out), units[i].Start, units[j-1].End))
		if j >= len(units) {
			break
		}
		// Step back over whole sentences to cover the overlap, but always
		// move forward by at least one sentence.
		next := j
		for back := 0; overlap > 0 && next-1 > i && back+counts[next-1] <= overlap; {
			next--
			back += counts[next]
		}
		i = next
	}
	return out
}

// IsHeading tells a section's title from a sentence: a short single line,
// set apart by blank lines, without a sentence's closing mark, as the
// Markdown, HTML and text readers leave a section heading. A lead-in
// standing alone ("To back up the data, run") looks like one but
// introduces what follows, and its comma tells most apart; a table row
// has cells.
func IsHeading(text string, u Span) bool {
	s := text[u.Start:u.End]
	return !strings.ContainsAny(s, ",|") && isHeading(text, u, len(strings.Fields(s)))
}

// isHeading is IsHeading without the comma and cell tests: the chunker
// opens passages at lead-ins and table rows as at headings.
func isHeading(text string, u Span, words int) bool {
	s := text[u.Start:u.End]
	if words == 0 || words > 12 || strings.ContainsRune(s, '\n') || strings.ContainsRune(".!?:;,", rune(s[len(s)-1])) {
		return false
	}
	before := strings.TrimRight(text[:u.Start], " \t\r")
	if before != "" && !strings.HasSuffix(before, "\n\n") && !strings.HasSuffix(before, "\n\r\n") {
		return false
	}
	after := strings.TrimLeft(text[u.End:], " \t\r")
	return strings.HasPrefix(after, "\n") && blankLineAt(after, 1)
}

func (c Chunker) passage(d Document, ord, start, end int) Passage {
	return Passage{
		ID: PassageID(d.ID, ord), DocID: d.ID, Ordinal: ord, Title: d.Title,
		Text: d.Text[start:end], Source: d.Source, Start: start, End: end,
	}
}

// splitLong cuts spans holding more than max words at word boundaries.
func splitLong(text string, spans []Span, max int) []Span {
	var out []Span
	for _, s := range spans {
		seg := text[s.Start:s.End]
		if len(strings.Fields(seg)) <= max {
			out = append(out, s)
			continue
		}
		n, start := 0, -1
		inWord := false
		for i, r := range seg {
			space := r == ' ' || r == '\n' || r == '\t' || r == '\r'
			if !space && !inWord {
				if start < 0 {
					start = i
				}
				if n == max {
					out = append(out, Span{s.Start + start, s.Start + len(strings.TrimRight(seg[:i], " \n\t\r"))})
					start, n = i, 0
				}
				n++
			}
			inWord = !space
		}
		if start >= 0 {
			out = append(out, Span{s.Start + start, s.End})
		}
	}
	return out
}
