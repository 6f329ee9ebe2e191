package rerank

import (
	"reflect"
	"testing"
)

// Cross-validation ranks each list by a model that never trained on it,
// and reports each group apart: a group whose positives follow the
// learnable rule ranks near perfectly; in a group whose positive is
// another candidate, with nothing to tell it, the rule's candidate comes
// first and the positive seldom does.
func TestCrossValidate(t *testing.T) {
	lists := synthetic(120)
	groups := make([]string, len(lists))
	for i := range lists {
		groups[i] = "rule"
		if i%3 == 0 {
			groups[i] = "random"
			// The relevant candidate is another one, with nothing to tell it.
			rel := (i*7 + 3) % 10
			for j := range lists[i].pos {
				lists[i].pos[j] = j == rel
			}
		}
	}
	cfg := TrainConfig{Seed: 5, Epochs: 20, Patience: 20, LR: 0.01, Members: 1}
	got, err := CrossValidate(lists, groups, 3, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Group != "all" || got[1].Group != "random" || got[2].Group != "rule" {
		t.Fatalf("groups %+v: want all, random, rule", got)
	}
	all, random, rule := got[0], got[1], got[2]
	t.Logf("%+v", got)
	if all.Questions != 120 || random.Questions != 40 || rule.Questions != 80 {
		t.Fatalf("questions %d, %d, %d: want 120, 40, 80", all.Questions, random.Questions, rule.Questions)
	}
	if rule.Top1 < 95 || random.Top1 > 40 {
		t.Fatalf("top-1 %.1f on the learnable group, %.1f on the random one", rule.Top1, random.Top1)
	}
	if want := (rule.Top1*80 + random.Top1*40) / 120; all.Top1 < want-0.01 || all.Top1 > want+0.01 {
		t.Fatalf("top-1 over all %.2f, want the groups' weighted mean %.2f", all.Top1, want)
	}
	// Each fold's model is handed over with the lists it did not see:
	// together they are every list once, and it ranks them as counted.
	seen := make([]int, len(lists))
	top1 := 0
	again, err := CrossValidate(lists, groups, 3, cfg, nil, func(m *Model, test []int) error {
		for _, i := range test {
			seen[i]++
			if m.firstRelevant(&lists[i]) == 1 {
				top1++
			}
		}
		return nil
	})
	if err != nil || !reflect.DeepEqual(got, again) {
		t.Fatalf("a seed gave %+v, then %+v (%v)", got, again, err)
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("list %d held out %d times", i, n)
		}
	}
	if got := 100 * float64(top1) / 120; got < all.Top1-0.01 || got > all.Top1+0.01 {
		t.Fatalf("the held-out models put %.2f%% first, the results say %.2f%%", got, all.Top1)
	}
	if _, err := CrossValidate(lists, groups, 1, cfg, nil, nil); err == nil {
		t.Fatal("one fold accepted")
	}
	if _, err := CrossValidate(lists, groups[:5], 3, cfg, nil, nil); err == nil {
		t.Fatal("groups of another length accepted")
	}
}
