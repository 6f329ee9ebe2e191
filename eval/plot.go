package eval

import (
	"bytes"
	"fmt"
	"image/color"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// A Series is one line of a plot.
type Series struct {
	Name string
	X, Y []float64
}

var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff}, color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
}

func render(p *plot.Plot) (string, error) {
	return renderSized(p, 3.6*vg.Inch)
}

// renderSized draws p as an SVG document of the given height.
func renderSized(p *plot.Plot, height vg.Length) (string, error) {
	c := vgsvg.New(6.4*vg.Inch, height)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// LinePlot draws series as lines with points, as an SVG document. With
// logX the x axis is logarithmic (top-k curves).
func LinePlot(title, xlabel, ylabel string, logX bool, series []Series) (string, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = dataTicks(series)
	}
	p.Add(plotter.NewGrid())
	p.Legend.Top = false
	p.Legend.Left = false
	for i, s := range series {
		pts := make(plotter.XYs, len(s.X))
		for j := range s.X {
			pts[j].X, pts[j].Y = s.X[j], s.Y[j]
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return "", err
		}
		col := palette[i%len(palette)]
		line.Color, points.Color = col, col
		line.Dashes = dashes(i / len(palette))
		p.Add(line, points)
		p.Legend.Add(s.Name, line, points)
	}
	return render(p)
}

// dataTicks labels a logarithmic axis at the x values measured (k = 1, 5,
// 10...; budgets of 256, 512... tokens), which powers of ten would leave
// mostly unlabelled.
func dataTicks(series []Series) plot.ConstantTicks {
	seen := map[float64]bool{}
	var ticks plot.ConstantTicks
	for _, s := range series {
		for _, x := range s.X {
			if !seen[x] {
				seen[x] = true
				ticks = append(ticks, plot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', -1, 64)})
			}
		}
	}
	sort.Slice(ticks, func(i, j int) bool { return ticks[i].Value < ticks[j].Value })
	return ticks
}

func dashes(i int) []vg.Length {
	if i%2 == 1 {
		return []vg.Length{vg.Points(4), vg.Points(3)}
	}
	return nil
}

// Histogram draws the distribution of values (milliseconds) per series.
func Histogram(title, xlabel string, series map[string][]float64) (string, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = "share of requests"
	names := make([]string, 0, len(series))
	for k := range series {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, name := range names {
		vals := plotter.Values(series[name])
		if len(vals) == 0 {
			continue
		}
		h, err := plotter.NewHist(vals, 30)
		if err != nil {
			return "", err
		}
		h.Normalize(1)
		col := palette[i%len(palette)]
		h.LineStyle.Color = col
		h.FillColor = withAlpha(col, 0x50)
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("%s (p50 %.2f ms)", name, Percentile(series[name], 50)), h)
	}
	p.Legend.Top = true
	p.Legend.Left = false
	return render(p)
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), a}
}

// BarPlot draws one bar per name, with optional horizontal reference lines.
func BarPlot(title, ylabel string, names []string, values []float64, refs map[string]float64) (string, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	bars, err := plotter.NewBarChart(plotter.Values(values), vg.Points(28))
	if err != nil {
		return "", err
	}
	bars.Color = palette[0]
	p.Add(bars)
	p.NominalX(names...)
	i := 1
	refNames := make([]string, 0, len(refs))
	for k := range refs {
		refNames = append(refNames, k)
	}
	sort.Strings(refNames)
	for _, name := range refNames {
		v := refs[name]
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: v}, {X: float64(len(names)) - 0.5, Y: v}})
		if err != nil {
			return "", err
		}
		l.Color = palette[i%len(palette)]
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(name, l)
		i++
	}
	p.Legend.Top = false
	return render(p)
}

// An Interval is one row of an IntervalPlot: an estimate and its
// confidence interval.
type Interval struct {
	Label         string
	Value, Lo, Hi float64
}

type intervals []Interval

func (iv intervals) Len() int                    { return len(iv) }
func (iv intervals) XY(i int) (float64, float64) { return iv[i].Value, float64(len(iv) - 1 - i) }
func (iv intervals) XError(i int) (float64, float64) {
	return iv[i].Value - iv[i].Lo, iv[i].Hi - iv[i].Value
}

// IntervalPlot draws each row's estimate with its interval, first row on
// top, against a line at zero: a forest plot of paired differences.
func IntervalPlot(title, xlabel string, rows []Interval) (string, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Add(plotter.NewGrid())
	bars, err := plotter.NewXErrorBars(intervals(rows))
	if err != nil {
		return "", err
	}
	bars.Color = palette[0]
	pts, err := plotter.NewScatter(intervals(rows))
	if err != nil {
		return "", err
	}
	pts.Color = palette[0]
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(len(rows)) - 0.5}})
	if err != nil {
		return "", err
	}
	zero.Color = palette[1]
	zero.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(zero, bars, pts)
	// The axis spans every interval and zero, with a margin: left to the
	// plotters, an interval's end can fall outside it.
	lo, hi := 0.0, 0.0
	for _, r := range rows {
		lo, hi = min(lo, r.Lo), max(hi, r.Hi)
	}
	pad := 0.05 * (hi - lo)
	p.X.Min, p.X.Max = lo-pad, hi+pad
	labels := make([]string, len(rows))
	for i, r := range rows {
		labels[len(rows)-1-i] = r.Label
	}
	p.NominalY(labels...)
	// A row needs about a line of text.
	return renderSized(p, vg.Length(1.2+0.22*float64(len(rows)))*vg.Inch)
}
