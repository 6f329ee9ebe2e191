package eval

import (
	"strings"
	"testing"
)

// A logarithmic axis is labelled at the values measured: each budget of a
// recall curve can be read off the plot.
func TestLinePlotLabelsMeasuredValues(t *testing.T) {
	svg, err := LinePlot("recall", "budget (tokens)", "%", true, []Series{
		{Name: "bm25", X: []float64{256, 512, 1024, 2048}, Y: []float64{75, 89, 94, 96}},
		{Name: "rerank", X: []float64{256, 512, 1024, 2048}, Y: []float64{90, 94, 96, 97}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{">256<", ">512<", ">1024<", ">2048<"} {
		if strings.Count(svg, label) != 1 {
			t.Errorf("%d labels %s on the axis", strings.Count(svg, label), label)
		}
	}
}
