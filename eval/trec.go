package eval

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteTREC writes a BEIR run in the TREC run format that trec_eval,
// ir_measures and ranx read: "query Q0 document rank score tag", one
// line per ranked document, in trec_eval's order. The tag is the ranker,
// with spaces made underscores (the format splits on white space).
func WriteTREC(w io.Writer, res *BEIRResult) error {
	bw := bufio.NewWriter(w)
	tag := strings.Join(strings.Fields(res.Ranker), "_")
	for _, q := range res.Queries {
		for i, d := range q.Run {
			fmt.Fprintf(bw, "%s Q0 %s %d %s %s\n", q.ID, d.ID, i+1, strconv.FormatFloat(d.Score, 'g', -1, 64), tag)
		}
	}
	return bw.Flush()
}

// ReadTREC reads a run in the TREC run format, each query's documents
// in trec_eval's order (score descending, ties by document ID
// descending), whatever the order or rank column of the file.
func ReadTREC(r io.Reader, name string) (map[string][]Scored, error) {
	runs := map[string][]Scored{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 6 {
			return nil, fmt.Errorf("%s:%d: want 6 fields (query Q0 document rank score tag), got %d", name, line, len(f))
		}
		score, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: score %q is not a number", name, line, f[4])
		}
		runs[f[0]] = append(runs[f[0]], Scored{ID: f[2], Score: score})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%s: no rankings", name)
	}
	for q, run := range runs {
		runs[q] = trecOrder(run)
	}
	return runs, nil
}
