package main

import (
	"strings"
	"testing"
)

// Candidate counts and budgets that cannot work are refused, not
// replaced by defaults, and a retrieval mode that needs Weaviate says so
// when it is off.
func TestAskAndSearchRefuseBadSettings(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ask", "-k", "0", "what is packing"}, "-k must be at least 1"},
		{[]string{"search", "-k", "-3", "packing"}, "-k must be at least 1"},
		{[]string{"ask", "--budget", "-5", "what is packing"}, "--budget must be a positive"},
		{[]string{"search", "--retrieval", "hybrid", "packing"}, `"hybrid" needs Weaviate, which is off`},
		{[]string{"search", "--retrieval", "hybird", "packing"}, `unknown retrieval mode "hybird"`},
	}
	for _, c := range cases {
		err := run(t, data, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
