package corpus

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// A pdfRun is one string a page draws, where it starts and ends.
type pdfRun struct {
	text         string
	x, y, end    float64 // in text space, as the page's text matrices place it
	size         float64 // font size, scaled by the text matrix
	spaceAfterTJ bool    // a wide gap inside a TJ array ended it
}

// pageRuns interprets a page's content stream and lists the strings it
// draws with their positions. Writers differ: a browser draws each line
// with its spaces, a typesetter draws words and moves between them, or
// splits a word where it kerns. Positions let pageText tell those apart.
func pageRuns(p pdf.Page) []pdfRun {
	type fontInfo struct {
		f      pdf.Font
		enc    pdf.TextEncoding
		widths bool            // a simple font's widths, by byte
		cid    map[int]float64 // a two-byte font's widths, by code
		cidDW  float64
	}
	fonts := map[string]*fontInfo{}
	var runs []pdfRun
	var (
		font           *fontInfo
		size, leading  float64
		charSp, wordSp float64
		tm, lm         = [6]float64{1, 0, 0, 1, 0, 0}, [6]float64{1, 0, 0, 1, 0, 0}
	)
	num := func(v pdf.Value) float64 { return v.Float64() }
	moveLine := func(tx, ty float64) {
		lm[4] += tx*lm[0] + ty*lm[2]
		lm[5] += tx*lm[1] + ty*lm[3]
		tm = lm
	}
	show := func(raw string, gapAfter bool) {
		text := raw
		if font != nil {
			text = font.enc.Decode(raw)
		}
		scale := math.Hypot(tm[0], tm[1])
		vscale := math.Hypot(tm[2], tm[3])
		// The width of what was drawn, from the font's widths; without
		// them, where a run ends is not known, and no gap makes a space.
		w, known := 0.0, font != nil && (font.widths || font.cid != nil)
		switch {
		case !known:
		case font.widths:
			for i := 0; i < len(raw); i++ {
				w += font.f.Width(int(raw[i])) / 1000 * size
			}
		default:
			for i := 0; i+1 < len(raw); i += 2 {
				cw, ok := font.cid[int(raw[i])<<8|int(raw[i+1])]
				if !ok {
					cw = font.cidDW
				}
				w += cw / 1000 * size
			}
		}
		w += charSp * float64(utf8.RuneCountInString(text))
		w += wordSp * float64(strings.Count(text, " "))
		r := pdfRun{text: text, x: tm[4], y: tm[5], size: size * vscale, spaceAfterTJ: gapAfter, end: math.NaN()}
		if known {
			r.end = r.x + w*scale
		}
		runs = append(runs, r)
		tm[4] += w * tm[0]
		tm[5] += w * tm[1]
	}
	pdf.Interpret(p.V.Key("Contents"), func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "BT":
			tm, lm = [6]float64{1, 0, 0, 1, 0, 0}, [6]float64{1, 0, 0, 1, 0, 0}
		case "Tf":
			if len(args) == 2 {
				name := args[0].Name()
				f, ok := fonts[name]
				if !ok {
					f = &fontInfo{f: p.Font(name)}
					f.enc = f.f.Encoder()
					f.widths = len(f.f.Widths()) > 0
					if !f.widths {
						f.cid, f.cidDW = cidWidths(f.f.V)
					}
					fonts[name] = f
				}
				font, size = f, num(args[1])
			}
		case "Tc":
			if len(args) == 1 {
				charSp = num(args[0])
			}
		case "Tw":
			if len(args) == 1 {
				wordSp = num(args[0])
			}
		case "TL":
			if len(args) == 1 {
				leading = num(args[0])
			}
		case "Tm":
			if len(args) == 6 {
				for i := range tm {
					tm[i] = num(args[i])
				}
				lm = tm
			}
		case "Td":
			if len(args) == 2 {
				moveLine(num(args[0]), num(args[1]))
			}
		case "TD":
			if len(args) == 2 {
				leading = -num(args[1])
				moveLine(num(args[0]), num(args[1]))
			}
		case "T*":
			moveLine(0, -leading)
		case "'", "\"":
			moveLine(0, -leading)
			if len(args) > 0 {
				show(args[len(args)-1].RawString(), false)
			}
		case "Tj":
			if len(args) == 1 {
				show(args[0].RawString(), false)
			}
		case "TJ":
			if len(args) != 1 {
				return
			}
			a := args[0]
			for i := 0; i < a.Len(); i++ {
				v := a.Index(i)
				if v.Kind() == pdf.String {
					// A kerning gap of a quarter em or more is a space.
					gap := i+1 < a.Len() && a.Index(i+1).Kind() != pdf.String && -num(a.Index(i+1)) >= 250
					show(v.RawString(), gap)
					continue
				}
				// Numbers move back by thousandths of the font size.
				d := -num(v) / 1000 * size
				tm[4] += d * tm[0]
				tm[5] += d * tm[1]
			}
		}
	})
	return runs
}

// cidWidths reads the widths of a two-byte (Type0, Identity) font from
// its descendant's W array, and its default width; nil if it is not one.
func cidWidths(f pdf.Value) (map[int]float64, float64) {
	if f.Key("Subtype").Name() != "Type0" || !strings.HasPrefix(f.Key("Encoding").Name(), "Identity") {
		return nil, 0
	}
	d := f.Key("DescendantFonts").Index(0)
	dw := 1000.0
	if v := d.Key("DW"); v.Kind() == pdf.Integer || v.Kind() == pdf.Real {
		dw = v.Float64()
	}
	out := map[int]float64{}
	w := d.Key("W")
	for i := 0; i+1 < w.Len() && len(out) < 1<<16; {
		first := int(w.Index(i).Int64())
		if next := w.Index(i + 1); next.Kind() == pdf.Array {
			for j := 0; j < next.Len() && len(out) < 1<<16; j++ {
				out[first+j] = next.Index(j).Float64()
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			break
		}
		last, width := int(w.Index(i+1).Int64()), w.Index(i+2).Float64()
		for c := first; c <= last && len(out) < 1<<16; c++ {
			out[c] = width
		}
		i += 3
	}
	return out, dw
}

// pageText lays a page's runs out as text: runs on one line are joined,
// with a space where the writer left a gap; lines of a paragraph are
// joined by spaces, a word hyphenated across two is joined again; and a
// paragraph break (a wider gap between lines, a change of font size, or
// an indented line after a sentence's end) is a blank line.
func pageText(runs []pdfRun) string {
	var out []byte
	var prev *pdfRun
	lineX, lineSize := 0.0, 0.0
	endsSpace := func() bool { return len(out) == 0 || out[len(out)-1] == ' ' || out[len(out)-1] == '\n' }
	for i := range runs {
		r := &runs[i]
		if prev == nil {
			if strings.TrimSpace(r.text) == "" {
				continue
			}
			out = append(out, strings.TrimLeft(r.text, " ")...)
			prev, lineX, lineSize = r, r.x, r.size
			continue
		}
		size := math.Max(math.Max(r.size, prev.size), 1e-9)
		dy := math.Abs(r.y - prev.y)
		if dy < 0.3*size {
			// The same line: a gap of a fifth of an em is a space (a NaN
			// end, of a font without widths, is no gap).
			if (prev.spaceAfterTJ || r.x-prev.end > 0.2*size) && !endsSpace() && !strings.HasPrefix(r.text, " ") {
				out = append(out, ' ')
			}
			out = append(out, r.text...)
			prev = r
			continue
		}
		for len(out) > 0 && out[len(out)-1] == ' ' {
			out = out[:len(out)-1]
		}
		last, _ := utf8.DecodeLastRune(out)
		sentenceEnd := strings.ContainsRune(".:?!", last)
		next := strings.TrimLeft(r.text, " ")
		switch {
		case dy > 1.4*size || math.Abs(r.size-lineSize) > 0.1*math.Max(r.size, lineSize) || sentenceEnd && r.x-lineX > 0.8*size:
			out = append(out, "\n\n"...)
		case hyphenated(out, next):
			out = out[:len(out)-1]
		default:
			out = append(out, ' ')
		}
		out = append(out, next...)
		prev, lineX, lineSize = r, r.x, r.size
	}
	return string(out)
}

// hyphenated reports whether a line ending in a hyphen after a letter is
// followed by one starting with a letter of the same case: a word a
// typesetter broke ("re-" "quest", "RE-" "TRIEVAL"). A compound broken at
// its own hyphen ("well-" "known") is joined too: it is the rarer case.
func hyphenated(line []byte, next string) bool {
	if len(line) < 2 || line[len(line)-1] != '-' {
		return false
	}
	before, _ := utf8.DecodeLastRune(line[:len(line)-1])
	after, _ := utf8.DecodeRuneInString(next)
	return unicode.IsLower(before) && unicode.IsLower(after) || unicode.IsUpper(before) && unicode.IsUpper(after)
}
