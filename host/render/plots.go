package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
)

// Figure size and the plot area inside it, where data is drawn; the rest
// holds the title, axis labels and the colour bar.
const (
	FigureWidth  = 720
	FigureHeight = 480
)

// PlotArea is the rectangle of a figure that data is drawn in.
var PlotArea = image.Rect(80, 50, 600, 420)

// colourBarX is the left edge of a heatmap's colour bar.
const colourBarX, colourBarW, colourBarSteps = 620, 20, 64

// Heatmap lays out a rows×cols array (row-major vals) as coloured cells,
// row 0 at the top, scaled between the array's finite minimum and maximum,
// with a colour bar. It panics if len(vals) != rows*cols.
func Heatmap(title string, vals []float64, rows, cols int, rowLabel, colLabel string) *Scene {
	if len(vals) != rows*cols {
		panic(fmt.Sprintf("render: heatmap of %d×%d with %d values", rows, cols, len(vals)))
	}
	s := frame(title)
	lo, hi := finiteRange(vals)
	pw, ph := float64(PlotArea.Dx()), float64(PlotArea.Dy())
	cw, ch := pw/float64(cols), ph/float64(rows)
	// Cell edges are rounded to whole pixels so that neighbours share them:
	// no gaps or overlaps between cells.
	edge := func(origin int, size float64, i int) float64 { return math.Round(float64(origin) + float64(i)*size) }
	for r := 0; r < rows; r++ {
		y0, y1 := edge(PlotArea.Min.Y, ch, r), edge(PlotArea.Min.Y, ch, r+1)
		for c := 0; c < cols; c++ {
			x0, x1 := edge(PlotArea.Min.X, cw, c), edge(PlotArea.Min.X, cw, c+1)
			if x1 > x0 && y1 > y0 {
				s.Rect(x0, y0, x1-x0, y1-y0, Colormap(norm(vals[r*cols+c], lo, hi)))
			}
		}
	}
	// The colour bar, maximum at the top.
	sh := ph / colourBarSteps
	for i := 0; i < colourBarSteps; i++ {
		y0, y1 := edge(PlotArea.Min.Y, sh, i), edge(PlotArea.Min.Y, sh, i+1)
		s.Rect(colourBarX, y0, colourBarW, y1-y0, Colormap(1-(float64(i)+0.5)/colourBarSteps))
	}
	s.Text(colourBarX-4, float64(PlotArea.Min.Y)-14, label(hi), black)
	s.Text(colourBarX-4, float64(PlotArea.Max.Y)+4, label(lo), black)
	s.Text(float64(PlotArea.Min.X), float64(PlotArea.Max.Y)+8, fmt.Sprintf("%s 0..%d", colLabel, cols-1), black)
	s.Text(4, float64(PlotArea.Min.Y), fmt.Sprintf("%s", rowLabel), black)
	s.Text(4, float64(PlotArea.Min.Y)+16, fmt.Sprintf("0..%d", rows-1), black)
	return s
}

// The titles of Heatmap, Bars and Series may hold a line break.

// Bars lays out a 1-D array as bars from zero, or as a line when it has
// more than MaxBars values.
func Bars(title string, vals []float64, xLabel string) *Scene {
	if len(vals) > MaxBars {
		xs := make([]float64, len(vals))
		for i := range xs {
			xs[i] = float64(i)
		}
		return Series(title, xs, []Curve{{Name: xLabel, Y: vals, Colour: blue}}, SeriesOptions{XLabel: xLabel, Mark: math.NaN()})
	}
	s := frame(title)
	lo, hi := finiteRange(vals)
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if lo == hi {
		hi = lo + 1
	}
	y := func(v float64) float64 {
		return float64(PlotArea.Max.Y) - (v-lo)/(hi-lo)*float64(PlotArea.Dy())
	}
	bw := float64(PlotArea.Dx()) / float64(max(1, len(vals)))
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		top, bottom := math.Min(y(v), y(0)), math.Max(y(v), y(0))
		s.Rect(float64(PlotArea.Min.X)+float64(i)*bw+bw*0.1, top, bw*0.8, bottom-top, blue)
	}
	axes(s, false)
	yTicks(s, lo, hi, false, y)
	s.Text(float64(PlotArea.Min.X), float64(PlotArea.Max.Y)+8, fmt.Sprintf("%s 0..%d", xLabel, len(vals)-1), black)
	return s
}

// MaxBars is the length above which Bars draws a line instead.
const MaxBars = 128

// Curve is one line of a Series plot. Markers, when set, are x values at
// which the curve gets a square marker (checkpoints, say).
type Curve struct {
	Name    string
	Y       []float64
	Colour  color.RGBA
	Markers []float64
}

// SeriesOptions set a Series plot's axes.
type SeriesOptions struct {
	XLabel string
	// LogY draws the y axis in log scale; values ≤ 0 are left out.
	LogY bool
	// Mark is the x value drawn as a vertical red line (NaN for none).
	Mark float64
}

// Series lays out curves over common x values, with a legend. Non-finite
// values (and, with LogY, values ≤ 0) break the line. It panics if a
// curve's length differs from len(xs).
func Series(title string, xs []float64, curves []Curve, o SeriesOptions) *Scene {
	s := frame(title)
	lines := make([]XYCurve, 0, 2*len(curves))
	for _, c := range curves {
		if len(c.Y) != len(xs) {
			panic(fmt.Sprintf("render: curve %s has %d values for %d x values", c.Name, len(c.Y), len(xs)))
		}
		lines = append(lines, XYCurve{X: xs, Y: c.Y, Colour: c.Colour, Width: 2})
		if len(c.Markers) == 0 {
			continue
		}
		// Markers sit on the curve at the x value nearest each requested one.
		mk := XYCurve{Colour: c.Colour, Marker: 5}
		for _, m := range c.Markers {
			if i := nearest(xs, m); i >= 0 {
				mk.X, mk.Y = append(mk.X, xs[i]), append(mk.Y, c.Y[i])
			}
		}
		lines = append(lines, mk)
	}
	plot(s, lines, o.XLabel, o.LogY, o.Mark)
	for ci, c := range curves {
		ly := float64(PlotArea.Min.Y) + 6 + float64(ci)*16
		s.Rect(float64(PlotArea.Max.X)+8, ly+2, 12, 6, c.Colour)
		s.Text(float64(PlotArea.Max.X)+24, ly, c.Name, black)
	}
	return s
}

// frame returns a figure with its title, of at most two lines.
func frame(title string) *Scene {
	s := NewScene(FigureWidth, FigureHeight)
	for i, line := range strings.SplitN(title, "\n", 2) {
		s.Text(8, 6+float64(i)*16, line, black)
	}
	return s
}

// axes draws the left and bottom axis lines, and a grid frame when box is
// set.
func axes(s *Scene, box bool) {
	x0, y0, x1, y1 := float64(PlotArea.Min.X), float64(PlotArea.Min.Y), float64(PlotArea.Max.X), float64(PlotArea.Max.Y)
	if box {
		s.Line([]float64{x0, y0, x1, y0, x1, y1}, grey, 1, 0)
	}
	s.Line([]float64{x0, y0, x0, y1, x1, y1}, black, 1, 0)
}

// yTicks labels the y axis: about five ticks, or one per decade in log
// scale, where lo and hi are log10 values.
func yTicks(s *Scene, lo, hi float64, log bool, py func(float64) float64) {
	var ticks []float64
	if log {
		for d := math.Ceil(lo); d <= math.Floor(hi); d++ {
			ticks = append(ticks, d)
		}
	}
	if len(ticks) < 2 {
		ticks = ticks[:0]
		for i := 0; i <= 4; i++ {
			ticks = append(ticks, lo+float64(i)*(hi-lo)/4)
		}
	}
	for _, t := range ticks {
		y := py(t)
		s.Line([]float64{float64(PlotArea.Min.X) - 5, y, float64(PlotArea.Min.X), y}, black, 1, 0)
		v := t
		if log {
			v = math.Pow(10, t)
		}
		l := label(v)
		s.Text(float64(PlotArea.Min.X)-8-TextWidth(l, 2), y-5, l, black)
	}
}

// finiteRange returns the minimum and maximum finite value, (0, 1) if none.
func finiteRange(vals []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > hi {
		return 0, 1
	}
	return lo, hi
}

// norm maps v from [lo, hi] to [0, 1]; a constant array maps to 0.
func norm(v, lo, hi float64) float64 {
	if hi == lo {
		if math.IsNaN(v) {
			return v
		}
		return 0
	}
	return (v - lo) / (hi - lo)
}

// nearest returns the index of the x value closest to m, -1 if xs is empty.
func nearest(xs []float64, m float64) int {
	best, bi := math.Inf(1), -1
	for i, x := range xs {
		if d := math.Abs(x - m); d < best {
			best, bi = d, i
		}
	}
	return bi
}

// label formats a number for an axis: three significant digits.
func label(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}
