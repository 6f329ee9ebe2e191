package eval

import "testing"

func TestAnswerMatcher(t *testing.T) {
	text := "The first Nobel Prize in Physics was awarded in 1901 to Wilhelm Conrad Röntgen."
	cases := []struct {
		answers []string
		regex   bool
		want    bool
	}{
		{[]string{"Wilhelm Conrad Röntgen"}, false, true},
		{[]string{"röntgen"}, false, true},
		{[]string{"190"}, false, false}, // token boundary: not inside 1901
		{[]string{"Einstein", "1901"}, false, true},
		{[]string{"the"}, false, false}, // normalizes to nothing
		{[]string{`19\d\d`}, true, true},
		{[]string{`Einstein|Bohr`}, true, false},
	}
	for _, c := range cases {
		m, err := NewAnswerMatcher(c.answers, c.regex)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Match(text); got != c.want {
			t.Errorf("%v (regex %v): %v, want %v", c.answers, c.regex, got, c.want)
		}
	}
	if _, err := NewAnswerMatcher([]string{"("}, true); err == nil {
		t.Error("invalid regex accepted")
	}
}
