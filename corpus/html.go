package corpus

import (
	"bytes"
	"context"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readHTML reads an HTML page as one document: the visible text only, with
// scripts, styles and other non-rendered elements dropped, and the <title>
// (or first <h1>) as its title.
func readHTML(_ context.Context, r io.Reader, name string, emit func(Document) error, st *Stats) error {
	d, ok := wholeFile(r, name, st, htmlText)
	if !ok {
		return nil
	}
	return emit(d)
}

// hidden elements never render text.
var hidden = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: true, atom.Svg: true, atom.Math: true, atom.Iframe: true,
	atom.Object: true, atom.Canvas: true, atom.Select: true, atom.Textarea: true,
}

// blocks end a line of text.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Tr: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
	atom.Blockquote: true, atom.Pre: true, atom.Table: true, atom.Ul: true, atom.Ol: true,
	atom.Dt: true, atom.Dd: true, atom.Hr: true, atom.Nav: true, atom.Main: true, atom.Aside: true,
	atom.Figcaption: true, atom.Td: true, atom.Th: true,
}

func htmlText(src []byte) (title, body string) {
	root, err := html.Parse(bytes.NewReader(src))
	if err != nil {
		return "", ""
	}
	var b strings.Builder
	var h1 string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.DataAtom == atom.Title && title == "" {
				title = strings.TrimSpace(collapse(nodeText(n)))
				return
			}
			if hidden[n.DataAtom] || hasAttr(n, "hidden") || strings.Contains(strings.ReplaceAll(attr(n, "style"), " ", ""), "display:none") {
				if n.DataAtom == atom.Head {
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						if c.DataAtom == atom.Title {
							walk(c)
						}
					}
				}
				return
			}
			if n.DataAtom == atom.H1 && h1 == "" {
				h1 = strings.TrimSpace(collapse(nodeText(n)))
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && blocks[n.DataAtom] {
			b.WriteString("\n\n")
		}
	}
	walk(root)
	if title == "" {
		title = h1
	}
	// Collapse runs of spaces within lines and runs of blank lines.
	var out []string
	for _, para := range strings.Split(b.String(), "\n\n") {
		if p := strings.TrimSpace(collapse(para)); p != "" {
			out = append(out, p)
		}
	}
	return title, strings.Join(out, "\n\n")
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// collapse turns every run of white space into one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
