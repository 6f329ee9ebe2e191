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
