package corpus

import (
	"context"
	"io"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

var mdParser = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

// readMarkdown reads a Markdown file as one document: its first heading is
// the title and the text is what a reader sees, without markup. Blocks are
// separated by blank lines so the chunker treats them as boundaries.
func readMarkdown(_ context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	d, ok := wholeFile(r, name, st, markdownText)
	if !ok {
		return nil
	}
	return emit(d)
}

func markdownText(src []byte) (title, body string) {
	doc := mdParser.Parse(text.NewReader(src))
	var b strings.Builder
	var walk func(n ast.Node)
	inline := func(n ast.Node) string {
		var ib strings.Builder
		_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch t := c.(type) {
			case *ast.Text:
				ib.Write(t.Segment.Value(src))
				if t.SoftLineBreak() || t.HardLineBreak() {
					ib.WriteByte(' ')
				}
			case *ast.String:
				ib.Write(t.Value)
			case *ast.RawHTML:
				return ast.WalkSkipChildren, nil
			}
			return ast.WalkContinue, nil
		})
		return strings.TrimSpace(ib.String())
	}
	block := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
	}
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch t := c.(type) {
			case *ast.Heading:
				h := inline(t)
				if title == "" && (t.Level == 1 || doc.FirstChild() == c) {
					title = h
				}
				block(h)
			case *ast.Paragraph, *ast.TextBlock:
				block(inline(t))
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				var cb strings.Builder
				lines := t.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					cb.Write(seg.Value(src))
				}
				block(strings.TrimRight(cb.String(), "\n"))
			case *ast.HTMLBlock:
				// Raw HTML in Markdown is markup, not prose.
			case *extast.TableRow, *extast.TableHeader:
				var cells []string
				for cell := t.FirstChild(); cell != nil; cell = cell.NextSibling() {
					cells = append(cells, inline(cell))
				}
				block(strings.Join(cells, " | "))
			default:
				walk(c)
			}
		}
	}
	walk(doc)
	return title, b.String()
}
