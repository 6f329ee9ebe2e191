package corpus

import "testing"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"The Denver Broncos!":    "denver broncos",
		"  an   apple, a pear ":  "apple pear",
		"Theatre of the Absurd":  "theatre of absurd",
		"Wilhelm Conrad Röntgen": "wilhelm conrad röntgen",
		"U.S.A.":                 "usa",
		"1,000":                  "1000",
		"":                       "",
	} {
		if got := NormalizeAnswer(in); got != want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", in, got, want)
		}
	}
}
