package eval

import (
	"context"
	"strings"
	"testing"
)

// Queries and judgments that share no ID (a queries file given for the
// judgments, or two datasets' files) are refused with what each held.
func TestBEIRRunRefusesUnrelatedFiles(t *testing.T) {
	queries := map[string]string{"1": "what causes scurvy", "2": "vitamin c"}
	qrels := map[string]map[string]int{"q7": {"d1": 1}}
	_, err := BEIRRun{}.Run(context.Background(), queries, qrels)
	if err == nil || !strings.Contains(err.Error(), "2 queries read, judgments for 1 query IDs, none in common") {
		t.Fatalf("unrelated files: %v", err)
	}
}
