package eval

import (
	"fmt"
	"strings"
)

// An AblationStep is one row of an ablation: a ranker measured in the
// report and what it shows, such as "BM25 order" or "features only".
type AblationStep struct {
	Ranker string `json:"ranker"`
	Label  string `json:"label"`
}

// ablationHeading opens the ablation section of a report.
const ablationHeading = "## Ablation (what each part adds: the difference from the first row in parentheses)"

// ablationMarkdown writes, for each QA dataset and split that ran two or
// more of the steps, one table of the steps in order: top-1 and answer
// recall within ComparedBudget tokens per subset, each with its
// difference from the first step present. It gathers in one place what
// the large table spreads over many rows.
func (r *Report) ablationMarkdown(b *strings.Builder) {
	if len(r.Ablation) < 2 {
		return
	}
	type key struct{ dataset, split string }
	runs := map[key]map[string]*QAResult{}
	var order []key
	for _, q := range r.sortedQA() {
		k := key{q.Dataset, q.Split}
		if runs[k] == nil {
			runs[k] = map[string]*QAResult{}
			order = append(order, k)
		}
		runs[k][q.Ranker] = q
	}
	wrote := false
	for _, k := range order {
		var rows []AblationStep
		for _, s := range r.Ablation {
			if runs[k][s.Ranker] != nil {
				rows = append(rows, s)
			}
		}
		if len(rows) < 2 {
			continue
		}
		if !wrote {
			b.WriteString(ablationHeading + "\n\n")
			wrote = true
		}
		base := runs[k][rows[0].Ranker]
		subs := base.SubsetNames()
		if len(subs) > 1 {
			subs = subs[1:] // the halves say more than their sum
		}
		fmt.Fprintf(b, "%s, %s:\n\n| order |", k.dataset, k.split)
		for _, s := range subs {
			fmt.Fprintf(b, " %s top-1 |", s)
		}
		for _, s := range subs {
			fmt.Fprintf(b, " %s recall@%d tok |", s, ComparedBudget)
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", 2*len(subs)) + "\n")
		for i, s := range rows {
			q := runs[k][s.Ranker]
			fmt.Fprintf(b, "| %s |", s.Label)
			// A figure missing from either run leaves its cell, or its
			// difference, empty.
			get := func(m *QAMetrics, v func(*QAMetrics) (float64, bool)) (float64, bool) {
				if m == nil {
					return 0, false
				}
				return v(m)
			}
			cell := func(sub string, v func(*QAMetrics) (float64, bool)) {
				x, ok := get(q.Subsets[sub], v)
				if !ok {
					b.WriteString(" |")
					return
				}
				if y, ok := get(base.Subsets[sub], v); i > 0 && ok {
					fmt.Fprintf(b, " %.1f (%+.1f) |", x, x-y)
					return
				}
				fmt.Fprintf(b, " %.1f |", x)
			}
			for _, sub := range subs {
				cell(sub, func(m *QAMetrics) (float64, bool) { v, ok := m.TopK[1]; return v, ok })
			}
			for _, sub := range subs {
				cell(sub, func(m *QAMetrics) (float64, bool) { v, ok := m.Recall[ComparedBudget]; return v, ok })
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if wrote {
		b.WriteString("Differences are those of the unrounded figures; the paired differences below give their 95% intervals.\n\n")
	}
}
