package rerank

import (
	"strings"
	"testing"
)

// countWords is strings.Fields without the slice, ASCII spaces included
// and Unicode ones (no-break, ideographic, next-line) too.
func TestCountWords(t *testing.T) {
	for _, s := range []string{"", "   ", " a b ", "one", "a\u00a0b", "x\u0085y\u2003z", "\xff\xfe a",
		"héllo wörld\t\n", "a\u3000b", "Luther's 95 Theses (1517) — posted\r\nat Wittenberg."} {
		if got, want := countWords(s), len(strings.Fields(s)); got != want {
			t.Errorf("countWords(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzCountWords(f *testing.F) {
	f.Add("héllo wörld\t\n\u00a0x")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := countWords(s), len(strings.Fields(s)); got != want {
			t.Errorf("countWords(%q) = %d, want %d", s, got, want)
		}
	})
}
