package rerank

import "testing"

func TestQuestionType(t *testing.T) {
	for q, want := range map[string]int{
		"How many moons does Mars have?": qHowMany,
		"who wrote it":                   qWho,
		"Where is Paris?":                qWhere,
		"In what year did the NFL switch to a 16-game regular season?":   qWhen,
		"which city hosted the games":                                    qWhere,
		"According to the text, how much money did the committee raise?": qHowMany,
		"what percentage of the vote did he get":                         qHowMany,
		"What type of plea is taken as an act of disobedience?":          qWhat,
		"when did the first train run in england":                        qWhen,
		"How did it end?": qOther,
		// The first question word decides, not any "when" in the sentence.
		"who was the captain of the mayflower when it took the pilgrims": qWho,
		"What was the color of the jerseys when Elway was quarterback?":  qWhat,
		"where are the winter olympics and when do they start":           qWhere,
		// A leading clause sets the scene; the question follows its comma.
		"When John Fox left as head coach for the Broncos, who replaced him?": qWho,
		"When the war ended, where did he go?":                                qWhere,
	} {
		if got := questionType(q); got != want {
			t.Errorf("questionType(%q) = %d, want %d", q, got, want)
		}
	}
}

func TestAnswerMaterial(t *testing.T) {
	none := map[string]bool{}
	for _, c := range []struct {
		sentence    string
		qtype       int
		has         bool
		explanation string
	}{
		{"The host committee has already raised over $40 million.", qHowMany, true, "an amount after a currency sign"},
		{"He justified it on three grounds.", qHowMany, true, "a number spelled out"},
		{"The show ran for twenty-six seasons.", qHowMany, true, "a hyphenated number"},
		{"Manning threw for zero touchdowns.", qHowMany, true, "zero"},
		{"It is one of the oldest.", qHowMany, false, `"one" is mostly a pronoun`},
		{"The Normans settled there in the 10th century.", qWhen, true, "a century"},
		{"Vaccination began in the 1920s.", qWhen, true, "a decade"},
		{"Super Bowl City opened on January 30.", qWhen, true, "a month"},
		{"The game was held in 1978.", qWhen, true, "a year"},
		{"It took the tenth place of 30 runners.", qWhen, false, "ordinals and counts are not dates"},
		{"The committee raised money for the Bay Area.", qHowMany, false, "no number"},
		{"Denver took the opening kickoff.", qWho, false, "a sentence's first word is not taken for a name"},
		{"He was replaced by Gary Kubiak.", qWho, true, "a name"},
	} {
		if got := hasMaterial(c.sentence, c.qtype, none); got != c.has {
			t.Errorf("hasMaterial(%q, %d) = %v, want %v: %s", c.sentence, c.qtype, got, c.has, c.explanation)
		}
	}
	// The question's own words are not an answer.
	if hasMaterial("He was replaced by Gary Kubiak.", qWho, map[string]bool{"gary": true, "kubiak": true}) {
		t.Error("the question's own names count as answer material")
	}
	got := sentenceCues("In 1920, three teams and Chicago paid $5 in May.", none)
	if got != (cues{years: 2, numbers: 2, names: 1}) {
		t.Errorf("sentenceCues = %+v, want 2 dates (1920, May), 2 numbers (three, $5), 1 name (Chicago)", got)
	}
}

func TestCounted(t *testing.T) {
	unit := countedUnit(splitWords("How many seasons did the original Doctor Who run?"))
	if unit != "season" {
		t.Fatalf("countedUnit = %q, want season", unit)
	}
	for text, want := range map[string]bool{
		"The original series ran for 26 seasons.":            true,
		"It ran for twenty-six full seasons on the BBC.":     true,
		"In 26 years the show had many seasons.":             false, // the number counts years
		"Each of its seasons was filmed in Cardiff.":         false,
		"The season of 1963 opened the show.":                false, // the number follows
		"Seasons came and went, and the show ran on and on.": false,
		"It ran for 26 seasons and then stopped.":            true,
		"Over three seasons, the show moved to Cardiff.":     true,
	} {
		if got := counts(text, unit); got != want {
			t.Errorf("counts(%q, %q) = %v, want %v", text, unit, got, want)
		}
	}
	if u := countedUnit(splitWords("how many cities are in texas")); !counts("Texas has 1,216 cities.", u) || !counts("the 12 largest city halls", u) {
		t.Errorf("the counted unit %q must match its other forms", u)
	}
	if countedUnit(splitWords("How did the season end?")) != "" || counts("It had 26 seasons.", "") {
		t.Error("a question that counts nothing matched")
	}
}
