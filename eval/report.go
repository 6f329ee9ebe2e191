package eval

import (
	"fmt"
	"html"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/reader"
)

// Machine describes where figures were measured.
type Machine struct {
	Cores    int     `json:"cores"`
	MemoryGB float64 `json:"memory_gb"`
	OS       string  `json:"os"`
	Go       string  `json:"go"`
}

// ThisMachine reads the cores and memory of the running machine.
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGB = kb / (1 << 20)
			}
		}
	}
	return m
}

// IngestFigure is the cost of indexing one corpus.
type IngestFigure struct {
	Corpus       string  `json:"corpus"`
	Target       string  `json:"target"` // what was filled: bleve, bleve+weaviate
	Passages     int     `json:"passages"`
	Seconds      float64 `json:"seconds"`
	PassagesPerS float64 `json:"passages_per_s"`
	IndexMB      float64 `json:"index_mb,omitempty"`
	PeakRSSMB    float64 `json:"peak_rss_mb,omitempty"`
}

// LatencyFigure is the search latency of one ranker on one corpus.
type LatencyFigure struct {
	Corpus string `json:"corpus"`
	Ranker string `json:"ranker"`
	LatencySummary
}

// A Reference is a published figure shown beside ours.
type Reference struct {
	Key          string  `json:"key"`
	Value        float64 `json:"value"`
	Source       string  `json:"source"`
	Reproducible bool    `json:"reproducible_offline"`
}

// A Report gathers runs for BENCHMARKS.md, results.json and the HTML page.
type Report struct {
	Title      string          `json:"title"`
	Date       time.Time       `json:"date"`
	Command    string          `json:"command"`
	Machine    Machine         `json:"machine"`
	QA         []*QAResult     `json:"qa,omitempty"`
	BEIR       []*BEIRResult   `json:"beir,omitempty"`
	Ingest     []IngestFigure  `json:"ingest,omitempty"`
	Latency    []LatencyFigure `json:"latency,omitempty"`
	References []Reference     `json:"references,omitempty"`
	Notes      []string        `json:"notes,omitempty"`
	// Compared holds the paired differences between runs, once Compare
	// has worked them out from the runs' per-question results.
	Compared []Comparison `json:"comparisons,omitempty"`
	// Ablation, when set, lists rankers in the order that adds one part
	// at a time, for a table of their figures side by side.
	Ablation []AblationStep `json:"ablation,omitempty"`
}

// Compare works out the paired differences of the report's runs, which
// the Markdown, the page and Flatten then include.
func (r *Report) Compare() {
	r.Compared = r.Comparisons()
}

// Flatten returns every figure keyed <dataset>.<split>[.<subset>].<ranker>.<metric>,
// latency.<corpus>.<ranker>.<p>_ms and ingest.<corpus>.<metric>.
// Accuracies are percentages, nDCG, recall@100 and MRR fractions.
func (r *Report) Flatten() map[string]float64 {
	out := map[string]float64{}
	for _, q := range r.QA {
		for name, m := range q.Subsets {
			prefix := q.Dataset + "." + q.Split + "."
			if name != "all" {
				prefix += name + "."
			}
			prefix += q.Ranker + "."
			for k, v := range m.TopK {
				out[prefix+"top"+strconv.Itoa(k)] = round(v, 2)
			}
			for b, v := range m.Recall {
				out[fmt.Sprintf("%srecall@%dtok", prefix, b)] = round(v, 2)
			}
			if m.EM != nil {
				out[prefix+"em"] = round(*m.EM, 2)
				out[prefix+"f1"] = round(*m.F1, 2)
			}
			if m.Evidence != nil {
				out[prefix+"evidence"] = round(*m.Evidence, 2)
				out[prefix+"evidence_words"] = round(*m.EvidenceWords, 1)
			}
			for _, rr := range q.Readers {
				if rm := rr.Subsets[name]; rm != nil {
					out[prefix+"reader."+rr.Name+".em"] = round(rm.EM, 2)
					out[prefix+"reader."+rr.Name+".f1"] = round(rm.F1, 2)
				}
			}
		}
	}
	for _, c := range r.Compared {
		prefix := c.Dataset + "." + c.Split + "."
		if c.Subset != "all" {
			prefix += c.Subset + "."
		}
		prefix += c.Ranker + ".vs." + c.Baseline + "."
		for m, d := range c.Metrics {
			places := 2
			if m == MetricNDCG || m == MetricMRR {
				places = 4
			}
			k := prefix + flatMetric[m] + "."
			out[k+"diff"], out[k+"lo"], out[k+"hi"], out[k+"p"] = round(d.Diff, places), round(d.Lo, places), round(d.Hi, places), round(d.P, 4)
		}
	}
	for _, b := range r.BEIR {
		prefix := b.Dataset + "." + b.Split + "." + b.Ranker + "."
		out[prefix+"ndcg@10"] = round(b.NDCG10, 4)
		out[prefix+"recall@100"] = round(b.Recall100, 4)
		out[prefix+"mrr@10"] = round(b.MRR10, 4)
	}
	for _, l := range r.Latency {
		prefix := "latency." + l.Corpus + "." + l.Ranker + "."
		out[prefix+"p50_ms"] = round(l.P50, 3)
		out[prefix+"p95_ms"] = round(l.P95, 3)
		out[prefix+"p99_ms"] = round(l.P99, 3)
	}
	for _, in := range r.Ingest {
		prefix := "ingest." + in.Corpus + "."
		if in.Target != "" && in.Target != "bleve" {
			prefix = "ingest." + in.Corpus + "." + in.Target + "."
		}
		out[prefix+"passages_per_s"] = round(in.PassagesPerS, 0)
		if in.IndexMB > 0 {
			out[prefix+"index_mb"] = round(in.IndexMB, 1)
		}
		if in.PeakRSSMB > 0 {
			out[prefix+"peak_rss_mb"] = round(in.PeakRSSMB, 1)
		}
	}
	return out
}

// flatMetric names a compared metric as the flat keys of its figures do.
var flatMetric = map[string]string{MetricTop1: "top1", MetricRecall: fmt.Sprintf("recall@%dtok", ComparedBudget),
	MetricEM: "em", MetricF1: "f1", MetricNDCG: "ndcg@10", MetricMRR: "mrr@10"}

func round(v float64, places int) float64 {
	p := 1.0
	for i := 0; i < places; i++ {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}

// Markdown renders the report as tables.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.Title)
	fmt.Fprintf(&b, "Measured %s on %d cores, %.0f GiB, %s, %s.\n\n", r.Date.Format("2006-01-02"), r.Machine.Cores, r.Machine.MemoryGB, r.Machine.OS, r.Machine.Go)
	if r.Command != "" {
		fmt.Fprintf(&b, "Produced by:\n\n    %s\n\n", r.Command)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "%s\n\n", n)
	}
	if len(r.QA) > 0 {
		b.WriteString("## Retrieval and packing (answer in the top k; answer inside the packed context)\n\n")
		b.WriteString("| dataset | split | subset | ranker | n |")
		for _, k := range TopKs {
			fmt.Fprintf(&b, " top-%d |", k)
		}
		for _, bu := range Budgets {
			fmt.Fprintf(&b, " recall@%d tok |", bu)
		}
		b.WriteString(" EM | F1 |\n|---|---|---|---|---|")
		b.WriteString(strings.Repeat("---|", len(TopKs)+len(Budgets)+2))
		b.WriteString("\n")
		for _, q := range r.sortedQA() {
			for _, sub := range q.SubsetNames() {
				m := q.Subsets[sub]
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %d |", q.Dataset, q.Split, sub, q.Ranker, m.N)
				for _, k := range TopKs {
					fmt.Fprintf(&b, " %.1f |", m.TopK[k])
				}
				for _, bu := range Budgets {
					if v, ok := m.Recall[bu]; ok {
						fmt.Fprintf(&b, " %.1f |", v)
					} else {
						b.WriteString(" |")
					}
				}
				if m.EM != nil {
					fmt.Fprintf(&b, " %.1f | %.1f |\n", *m.EM, *m.F1)
				} else {
					b.WriteString(" n/a | n/a |\n")
				}
			}
		}
		b.WriteString("\nTop-k: DPR's retrieval accuracy, the percentage of questions with a passage holding a normalized gold answer among the first k. Recall@N tok: the percentage whose context, packed greedily in ranked order into N tokens (cl100k_base), holds an answer. EM and F1 need an LM.\n\n")
		if r.packs(reader.PolicyExcerpt) {
			b.WriteString("Packing: each of the best candidates whole, by one of the re-ranker's excerpts, or not at all, whichever mix holds the most of the re-ranker's probability in the budget (the excerpt policy, the default); rows without the re-ranker have no excerpts and pack whole passages as in the paper, and so does the row marked whole passages.\n\n")
		}
		r.ablationMarkdown(&b)
		r.readersMarkdown(&b)
		r.evidenceMarkdown(&b)
		pairedQAMarkdown(&b, r.Compared, reportPairedHeading)
	}
	if len(r.BEIR) > 0 {
		b.WriteString("## BEIR\n\n| dataset | split | ranker | queries | nDCG@10 | recall@100 | MRR@10 |\n|---|---|---|---|---|---|---|\n")
		for _, x := range r.BEIR {
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %.4f | %.4f | %.4f |\n", x.Dataset, x.Split, x.Ranker, x.N, x.NDCG10, x.Recall100, x.MRR10)
		}
		b.WriteString("\n")
		pairedBEIRMarkdown(&b, r.Compared, reportPairedBEIRHeading)
	}
	if len(r.References) > 0 {
		b.WriteString("## Published reference points\n\n| figure | value | source | reproducible here |\n|---|---|---|---|\n")
		for _, ref := range r.References {
			rep := "yes"
			if !ref.Reproducible {
				rep = "no: needs the full Wikipedia corpus"
			}
			fmt.Fprintf(&b, "| %s | %g | %s | %s |\n", ref.Key, ref.Value, ref.Source, rep)
		}
		b.WriteString("\n")
	}
	if len(r.Ingest) > 0 {
		b.WriteString("## Ingest\n\n| corpus | into | passages | seconds | passages/s | index MB | peak RSS MB |\n|---|---|---|---|---|---|---|\n")
		for _, in := range r.Ingest {
			fmt.Fprintf(&b, "| %s | %s | %d | %.1f | %.0f | %s | %s |\n", in.Corpus, orDash(in.Target), in.Passages, in.Seconds, in.PassagesPerS, optional(in.IndexMB), optional(in.PeakRSSMB))
		}
		b.WriteString("\n")
	}
	if len(r.Latency) > 0 {
		b.WriteString("## Search latency (top-100, one query at a time)\n\n| corpus | ranker | queries | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|\n")
		for _, l := range r.Latency {
			fmt.Fprintf(&b, "| %s | %s | %d | %.2f | %.2f | %.2f |\n", l.Corpus, l.Ranker, l.N, l.P50, l.P95, l.P99)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// readersMarkdown compares the ways the LM read the same packed contexts.
func (r *Report) readersMarkdown(b *strings.Builder) {
	found := false
	for _, q := range r.QA {
		found = found || len(q.Readers) > 0
	}
	if !found {
		return
	}
	b.WriteString("## Readers (the LM's answers from the same candidates)\n\n")
	b.WriteString("| dataset | split | ranker | reader | subset | n | EM | F1 | prompt tok/q | completion tok/q | demo tok/q | LM calls/q | LM p50 ms | LM p95 ms |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, q := range r.sortedQA() {
		for _, rr := range q.Readers {
			for _, sub := range q.SubsetNames() {
				m := rr.Subsets[sub]
				if m == nil {
					continue
				}
				fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %d | %.1f | %.1f | %.0f | %.1f | %.0f | %.1f | %.0f | %.0f |\n",
					q.Dataset, q.Split, q.Ranker, rr.Name, sub, m.N, m.EM, m.F1, rr.PromptTokens, rr.CompletionTokens, rr.DemoTokens, rr.Calls, rr.Latency.P50, rr.Latency.P95)
			}
		}
	}
	b.WriteString("\nTokens and latency are per question over all subsets, as the LM server reports them; a recursive reader's include both passes.\n\n")
}

// evidenceMarkdown tables how often the evidence answer, given without
// an LM, holds a gold answer.
func (r *Report) evidenceMarkdown(b *strings.Builder) {
	var rows []string
	budgets := map[int]bool{}
	for _, q := range r.sortedQA() {
		for _, sub := range q.SubsetNames() {
			if m := q.Subsets[sub]; m.Evidence != nil {
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %d | %.1f | %.1f |\n", q.Dataset, q.Split, sub, q.Ranker, m.N, *m.Evidence, *m.EvidenceWords))
				budgets[q.EvidenceBudget] = true
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("## Evidence answers (no LM: sentences quoted from the context)\n\n")
	b.WriteString("| dataset | split | subset | ranker | n | holds an answer | words |\n|---|---|---|---|---|---|---|\n")
	b.WriteString(strings.Join(rows, ""))
	var bs []string
	for k := range budgets {
		bs = append(bs, strconv.Itoa(k))
	}
	sort.Strings(bs)
	fmt.Fprintf(b, "\nHolds an answer: the percentage of questions whose evidence answer, the sentences quoted from the context packed into %s tokens, holds a normalized gold answer; words: its mean length.\n\n", strings.Join(bs, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func optional(v float64) string {
	if v <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

func (r *Report) sortedQA() []*QAResult {
	out := append([]*QAResult(nil), r.QA...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Dataset != out[j].Dataset {
			return out[i].Dataset < out[j].Dataset
		}
		return out[i].Split < out[j].Split
	})
	return out
}

// HTML renders the report as one self-contained page: the Markdown tables
// and SVG plots comparing the runs side by side.
func (r *Report) HTML() (string, error) {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>`)
	b.WriteString(html.EscapeString(r.Title))
	b.WriteString(`</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:nth-child(-n+4),th:nth-child(-n+4){text-align:left}figure{display:inline-block;margin:0 1em 1em 0}svg{max-width:100%;height:auto}
pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}</style></head><body>`)
	fmt.Fprintf(&b, "<h1>%s</h1><p>Measured %s on %d cores, %.0f GiB (%s, %s).</p>", html.EscapeString(r.Title), r.Date.Format("2006-01-02 15:04 MST"), r.Machine.Cores, r.Machine.MemoryGB, r.Machine.OS, r.Machine.Go)
	if r.Command != "" {
		fmt.Fprintf(&b, "<pre>%s</pre>", html.EscapeString(r.Command))
	}
	plots, err := r.plots()
	if err != nil {
		return "", err
	}
	for _, p := range plots {
		fmt.Fprintf(&b, "<figure>%s</figure>", stripXMLHeader(p))
	}
	b.WriteString(markdownTablesToHTML(r.Markdown()))
	b.WriteString("</body></html>\n")
	return b.String(), nil
}

func (r *Report) plots() ([]string, error) {
	var out []string
	var topk, recall []Series
	samples := map[string][]float64{}
	for _, q := range r.sortedQA() {
		for _, sub := range q.SubsetNames() {
			if len(q.Subsets) > 1 && sub == "all" {
				continue
			}
			m := q.Subsets[sub]
			name := q.Ranker
			if sub != "all" {
				name += " / " + sub
			}
			s := Series{Name: q.Dataset + " " + name}
			for _, k := range TopKs {
				s.X, s.Y = append(s.X, float64(k)), append(s.Y, m.TopK[k])
			}
			topk = append(topk, s)
			rs := Series{Name: q.Dataset + " " + name}
			var bs []int
			for bu := range m.Recall {
				bs = append(bs, bu)
			}
			sort.Ints(bs)
			for _, bu := range bs {
				rs.X, rs.Y = append(rs.X, float64(bu)), append(rs.Y, m.Recall[bu])
			}
			recall = append(recall, rs)
		}
		if v := q.Samples["retrieve"]; len(v) > 0 {
			samples[q.Dataset+" "+q.Ranker] = v
		}
	}
	if len(topk) > 0 {
		svg, err := LinePlot("Top-k retrieval accuracy", "k", "% questions with an answer in the top k", true, topk)
		if err != nil {
			return nil, err
		}
		out = append(out, svg)
		svg, err = LinePlot("Answer recall within the context budget", "budget (tokens)", "% questions with an answer packed", true, recall)
		if err != nil {
			return nil, err
		}
		out = append(out, svg)
	}
	if len(samples) > 0 {
		svg, err := Histogram("Retrieval latency", "milliseconds", samples)
		if err != nil {
			return nil, err
		}
		out = append(out, svg)
	}
	if len(r.BEIR) > 0 {
		var names []string
		var vals []float64
		for _, x := range r.BEIR {
			names = append(names, x.Dataset+" "+x.Ranker)
			vals = append(vals, x.NDCG10)
		}
		refs := map[string]float64{}
		for _, ref := range r.References {
			if strings.HasSuffix(ref.Key, "ndcg@10") {
				refs[ref.Source] = ref.Value
			}
		}
		svg, err := BarPlot("BEIR nDCG@10", "nDCG@10", names, vals, refs)
		if err != nil {
			return nil, err
		}
		out = append(out, svg)
	}
	return r.pairedPlots(out)
}

// pairedPlots adds forest plots of the paired differences: top-1 for
// question answering, nDCG@10 for BEIR.
func (r *Report) pairedPlots(out []string) ([]string, error) {
	for _, m := range []struct{ metric, title, unit string }{
		{MetricTop1, "Top-1 against the first ranker, paired", "difference, percentage points (95% interval)"},
		{MetricNDCG, "nDCG@10 against the first ranker, paired", "difference (95% interval)"},
	} {
		var rows []Interval
		for _, c := range r.Compared {
			d, ok := c.Metrics[m.metric]
			if !ok {
				continue
			}
			label := c.Dataset + " " + c.Ranker
			if c.Subset != "all" {
				label += " / " + c.Subset
			}
			rows = append(rows, Interval{Label: label + " vs " + c.Baseline, Value: d.Diff, Lo: d.Lo, Hi: d.Hi})
		}
		if len(rows) == 0 {
			continue
		}
		svg, err := IntervalPlot(m.title, m.unit, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, svg)
	}
	return out, nil
}

func stripXMLHeader(svg string) string {
	if i := strings.Index(svg, "<svg"); i >= 0 {
		return svg[i:]
	}
	return svg
}

// markdownTablesToHTML converts the report's Markdown (headings,
// paragraphs, pipe tables, indented code) into HTML.
func markdownTablesToHTML(md string) string {
	var b strings.Builder
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "# "):
			// the page has its own title
		case strings.HasPrefix(l, "## "):
			fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(l[3:]))
		case strings.HasPrefix(l, "|"):
			b.WriteString("<table>")
			row := 0
			for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
				if strings.HasPrefix(lines[i], "|---") {
					continue
				}
				cells := strings.Split(strings.Trim(lines[i], "|"), "|")
				tag := "td"
				if row == 0 {
					tag = "th"
				}
				b.WriteString("<tr>")
				for _, c := range cells {
					fmt.Fprintf(&b, "<%s>%s</%s>", tag, html.EscapeString(strings.TrimSpace(c)), tag)
				}
				b.WriteString("</tr>")
				row++
			}
			b.WriteString("</table>\n")
			i--
		case strings.HasPrefix(l, "    "):
			fmt.Fprintf(&b, "<pre>%s</pre>\n", html.EscapeString(strings.TrimSpace(l)))
		case strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "Measured") && !strings.HasPrefix(l, "Produced by"):
			fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(l))
		}
	}
	return b.String()
}

// packs says whether any QA result was packed with policy p.
func (r *Report) packs(p reader.Policy) bool {
	for _, q := range r.QA {
		if q.Packing == p {
			return true
		}
	}
	return false
}
