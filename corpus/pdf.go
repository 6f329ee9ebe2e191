package corpus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// readPDF reads a PDF's text layer as one document, titled by the title
// in its properties or else by its file name. Pages are separated by blank
// lines, so that no sentence runs across a page break. A scanned PDF has
// no text layer: it is reported, not ingested empty.
func readPDF(ctx context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	b, err := readAll(r, name)
	if err != nil {
		st.skip(name, 0, err)
		return nil
	}
	title, text, err := PDFText(ctx, b)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		st.skip(name, 0, err)
		return nil
	}
	if strings.TrimSpace(text) == "" {
		st.skip(name, 0, errors.New("no text: the PDF has no text layer (scanned pages need OCR first)"))
		return nil
	}
	if title == "" {
		title = fileTitle(name)
	}
	return emit(Document{ID: name, Title: title, Text: text, Source: name})
}

// PDFText extracts the title and text of a PDF for the PDF reader. It is
// ExtractPDF by default; a server replaces it with a call to a child
// process (shoulders pdf-text), because a hostile PDF can send the parser
// into a loop that no goroutine can stop, and a process can be killed.
var PDFText = ExtractPDF

// maxPDFNodes bounds the nodes of a page tree walked, maxPDFDepth its
// depth and the chain of parents of a page: a malformed tree can be a
// cycle.
const (
	maxPDFNodes = 100_000
	maxPDFDepth = 64
)

// ExtractPDF extracts the title and the text of every page, in this
// process. The PDF parser panics on some malformed files; that is an
// error of the file.
func ExtractPDF(ctx context.Context, b []byte) (title, text string, err error) {
	defer func() {
		if p := recover(); p != nil {
			title, text, err = "", "", fmt.Errorf("unreadable PDF: %v", p)
		}
	}()
	if !bytes.HasPrefix(bytes.TrimLeft(b, "\x00\t\n\r "), []byte("%PDF-")) {
		return "", "", errors.New("not a PDF: it does not start with %PDF-")
	}
	rd, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if errors.Is(err, pdf.ErrInvalidPassword) {
		return "", "", errors.New("encrypted PDF: it needs a password to be read")
	}
	if err != nil {
		return "", "", fmt.Errorf("unreadable PDF: %w", err)
	}
	pages, err := pdfPages(rd)
	if err != nil {
		return "", "", err
	}
	var out []byte
	for i, p := range pages {
		if err := ctx.Err(); err != nil {
			return "", "", err
		}
		t, err := layoutText(p)
		if err != nil {
			return "", "", fmt.Errorf("page %d: %w", i+1, err)
		}
		if t = dropPageNumbers(cleanPDFText(t)); t != "" {
			out = joinPage(out, t)
		}
	}
	return pdfTitle(rd), string(out), nil
}

// pdfPages lists the page objects in order. The parser's own walk of the
// page tree follows a cycle forever; this one gives up.
func pdfPages(rd *pdf.Reader) ([]pdf.Page, error) {
	malformed := errors.New("unreadable PDF: malformed page tree")
	var out []pdf.Page
	nodes := 0
	var walk func(v pdf.Value, depth int) error
	walk = func(v pdf.Value, depth int) error {
		if nodes++; nodes > maxPDFNodes || depth > maxPDFDepth {
			return malformed
		}
		typ := v.Key("Type").Name()
		if typ == "" && v.Kind() == pdf.Dict {
			// Some writers leave out the type; the kids tell.
			typ = "Page"
			if !v.Key("Kids").IsNull() {
				typ = "Pages"
			}
		}
		switch typ {
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), depth+1); err != nil {
					return err
				}
			}
		case "Page":
			// Resources are inherited from the parents, and the parser
			// climbs them without counting.
			up := 0
			for a := v; !a.IsNull(); a = a.Key("Parent") {
				if up++; up > maxPDFDepth {
					return malformed
				}
			}
			out = append(out, pdf.Page{V: v})
		}
		return nil
	}
	return out, walk(rd.Trailer().Key("Root").Key("Pages"), 0)
}

// layoutText is pageText of a page; a page whose content the layout
// cannot follow is read in drawing order instead, without positions.
func layoutText(p pdf.Page) (text string, err error) {
	defer func() {
		if recover() != nil {
			// Fonts are looked up per page (nil): resource names such as
			// F1 name different fonts on different pages.
			text, err = p.GetPlainText(nil)
		}
	}()
	return pageText(pageRuns(p)), nil
}

// pageNumber matches a line that is only a page number, as headers and
// footers print them: "7", "- 7 -", "Page 7", "7 of 12".
var pageNumber = regexp.MustCompile(`(?i)^(page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(\s+of\s+\d{1,4})?$`)

// dropPageNumbers removes a page number standing alone as the first or
// last paragraph of a page's text.
func dropPageNumbers(t string) string {
	paras := strings.Split(t, "\n\n")
	if len(paras) > 1 && pageNumber.MatchString(strings.TrimSpace(paras[0])) {
		paras = paras[1:]
	}
	if len(paras) > 1 && pageNumber.MatchString(strings.TrimSpace(paras[len(paras)-1])) {
		paras = paras[:len(paras)-1]
	}
	return strings.Join(paras, "\n\n")
}

// joinPage adds a page's text to the document's: a sentence that runs on
// to the next page goes on (a word hyphenated across them is joined), and
// one that ended ends a paragraph.
func joinPage(doc []byte, page string) []byte {
	if len(doc) == 0 {
		return append(doc, page...)
	}
	last, _ := utf8.DecodeLastRune(doc)
	switch {
	case strings.ContainsRune(".:?!\"'”’)", last):
		doc = append(doc, "\n\n"...)
	case hyphenated(doc, page):
		doc = doc[:len(doc)-1]
	default:
		doc = append(doc, ' ')
	}
	return append(doc, page...)
}

// ligatures are single characters that fonts draw for letter pairs;
// searches spell the letters.
var ligatures = strings.NewReplacer("ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl", "ﬅ", "st", "ﬆ", "st")

var (
	pdfSpaces = regexp.MustCompile(`[ \t\f\v\x{00a0}]+`)
	pdfBlank  = regexp.MustCompile(`\n\s*\n\s*`)
)

// cleanPDFText makes extracted text valid UTF-8 with single spaces, and
// drops control characters that fonts without a Unicode map turn into.
func cleanPDFText(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = ligatures.Replace(s)
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (r < 0x20 && r != '\n' && r != '\t') {
			return -1
		}
		return r
	}, s)
	s = pdfSpaces.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, " \n", "\n")
	s = pdfBlank.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}

// pdfTitle is the title of the document's properties, unless it is only
// the name of the file it was made from, as word processors often leave.
func pdfTitle(rd *pdf.Reader) string {
	t := cleanPDFText(rd.Trailer().Key("Info").Key("Title").Text())
	low := strings.ToLower(t)
	if strings.HasPrefix(low, "microsoft word - ") || strings.ContainsAny(t, "\n") || utf8.RuneCountInString(t) > 200 {
		return ""
	}
	for _, ext := range []string{".doc", ".docx", ".odt", ".pdf", ".tex", ".dvi", ".ps", ".rtf", ".pages", ".indd"} {
		if strings.HasSuffix(low, ext) {
			return ""
		}
	}
	return t
}
