package rerank

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// A CVResult is how the models of a cross-validation ranked the lists of
// one group that they had not seen in training.
type CVResult struct {
	Group     string  `json:"group"`
	Questions int     `json:"questions"`
	Top1      float64 `json:"top1"` // percent with a relevant candidate first
	MRR       float64 `json:"mrr"`  // of the first relevant candidate
}

// CrossValidate measures what training with cfg would give on questions
// it has not seen, without a dev split: the lists are dealt into folds at
// random (by cfg.Seed), and each fold is ranked by a model trained on the
// others. groups[i] names the group of lists[i] (a benchmark's subset, for
// one); the results are per group, sorted by name, after "all". onFold,
// when set, is told as each fold's training starts; heldOut, when set, is
// given each fold's model with the indices of the lists it did not see,
// to measure more than the ranking.
func CrossValidate(lists []List, groups []string, folds int, cfg TrainConfig, onFold func(fold int), heldOut func(m *Model, test []int) error) ([]CVResult, error) {
	if folds < 2 || folds > len(lists) {
		return nil, fmt.Errorf("cross-validation needs 2 to %d folds (one list each at least), not %d", len(lists), folds)
	}
	if len(groups) != len(lists) {
		return nil, fmt.Errorf("%d groups for %d lists", len(groups), len(lists))
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5bd1e995))
	perm := rng.Perm(len(lists))
	type tally struct{ n, top1, rr float64 }
	by := map[string]*tally{"all": {}}
	for fold := 0; fold < folds; fold++ {
		if onFold != nil {
			onFold(fold)
		}
		var train []List
		var test []int
		for k, i := range perm {
			if k%folds == fold {
				test = append(test, i)
			} else {
				train = append(train, lists[i])
			}
		}
		m, err := Train(train, cfg)
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", fold+1, err)
		}
		if heldOut != nil {
			if err := heldOut(m, test); err != nil {
				return nil, fmt.Errorf("fold %d: %w", fold+1, err)
			}
		}
		for _, i := range test {
			rank := m.firstRelevant(&lists[i])
			gs := []string{"all"}
			if groups[i] != "all" {
				gs = append(gs, groups[i])
			}
			for _, g := range gs {
				t := by[g]
				if t == nil {
					t = &tally{}
					by[g] = t
				}
				t.n++
				if rank == 1 {
					t.top1++
				}
				if rank > 0 {
					t.rr += 1 / float64(rank)
				}
			}
		}
	}
	names := make([]string, 0, len(by))
	for g := range by {
		if g != "all" {
			names = append(names, g)
		}
	}
	sort.Strings(names)
	out := make([]CVResult, 0, len(by))
	for _, g := range append([]string{"all"}, names...) {
		t := by[g]
		out = append(out, CVResult{Group: g, Questions: int(t.n), Top1: round4(100 * t.top1 / t.n), MRR: round4(t.rr / t.n)})
	}
	return out, nil
}
