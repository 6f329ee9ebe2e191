package main

import (
	"strings"
	"testing"
)

func TestBenchmarkBlocksSurviveRewrites(t *testing.T) {
	doc := setBlock("# Benchmarks\n\nold tables\n", "load", "## Load\n\nv1\n")
	doc = setBlock(doc, "load", "## Load\n\nv2\n")
	if strings.Count(doc, "## Load") != 1 || !strings.Contains(doc, "v2") || !strings.HasPrefix(doc, "# Benchmarks") {
		t.Fatalf("set twice:\n%s", doc)
	}
	rewritten := "# Benchmarks\n\nnew tables\n" + keptBlocks(doc)
	if !strings.Contains(rewritten, "new tables") || !strings.Contains(rewritten, "<!-- begin load -->\n## Load\n\nv2\n<!-- end load -->") {
		t.Fatalf("rewrite:\n%s", rewritten)
	}
}
