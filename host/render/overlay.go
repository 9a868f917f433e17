package render

import (
	"image/color"
	"math"
)

// XYCurve is one line of a plot with its own x values, so that curves
// sampled at different epochs (variants of different lengths, a
// checkpoint-only statistic beside a per-epoch one) share one plot.
type XYCurve struct {
	X, Y   []float64
	Colour color.RGBA
	// Width is the line's width in pixels; 0 draws no line.
	Width float64
	// Marker is the side of a square drawn at each point; 0 draws none.
	Marker float64
}

// LegendEntry is one line of a legend: a colour key and its text.
type LegendEntry struct {
	Colour color.RGBA
	Text   string
}

// OverlayOptions set an Overlay plot's axes and legend.
type OverlayOptions struct {
	XLabel string
	// LogY draws the y axis in log scale; values ≤ 0 are left out.
	LogY bool
	// Mark is the x value drawn as a vertical red line (NaN for none).
	Mark float64
	// Legend lines are written below the plot, one per entry: the figure
	// grows by legendLine pixels per entry, so any number fits.
	Legend []LegendEntry
}

// legendTop is the y of an Overlay's first legend line (below the x axis
// label), legendLine the height of each line.
const legendTop, legendLine = 466, 16

// legendChars is the most characters of a legend line that fit the figure
// at text scale 2; longer lines are cut.
const legendChars = (FigureWidth - 32) / ((glyphW + 1) * 2)

// Overlay lays out curves with their own x values in one plot, with the
// legend below. Non-finite values (and, with LogY, values ≤ 0) break a
// line. It panics if a curve has different numbers of x and y values.
func Overlay(title string, curves []XYCurve, o OverlayOptions) *Scene {
	s := frame(title)
	if n := len(o.Legend); n > 0 {
		s.Height = legendTop + n*legendLine + 6
	}
	plot(s, curves, o.XLabel, o.LogY, o.Mark)
	for i, e := range o.Legend {
		y := float64(legendTop + i*legendLine)
		s.Rect(8, y+2, 12, 6, e.Colour)
		txt := []rune(e.Text)
		if len(txt) > legendChars {
			txt = append(txt[:legendChars-2], '.', '.')
		}
		s.Text(24, y, string(txt), black)
	}
	return s
}

// plot draws curves into PlotArea: axes, y ticks, the mark, each curve,
// the x range and label. Ranges are those of the finite (with logY,
// positive) values of every curve.
func plot(s *Scene, curves []XYCurve, xLabel string, logY bool, mark float64) {
	tf := func(v float64) float64 {
		if logY {
			if v <= 0 {
				return math.NaN()
			}
			return math.Log10(v)
		}
		return v
	}
	lo, hi, xlo, xhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		if len(c.X) != len(c.Y) {
			panic("render: a curve has different numbers of x and y values")
		}
		for i, v := range c.Y {
			if t := tf(v); finite(t) {
				lo, hi = math.Min(lo, t), math.Max(hi, t)
			}
			if x := c.X[i]; finite(x) {
				xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
			}
		}
	}
	// As finiteRange: (0, 1) when nothing is finite.
	if lo > hi {
		lo, hi = 0, 1
	}
	if xlo > xhi {
		xlo, xhi = 0, 1
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	if xlo == xhi {
		xlo, xhi = xlo-0.5, xhi+0.5
	}
	px := func(x float64) float64 {
		return float64(PlotArea.Min.X) + (x-xlo)/(xhi-xlo)*float64(PlotArea.Dx())
	}
	py := func(v float64) float64 {
		return float64(PlotArea.Max.Y) - (v-lo)/(hi-lo)*float64(PlotArea.Dy())
	}
	axes(s, true)
	yTicks(s, lo, hi, logY, py)
	if !math.IsNaN(mark) {
		s.Line([]float64{px(mark), float64(PlotArea.Min.Y), px(mark), float64(PlotArea.Max.Y)}, red, 2, 0)
	}
	for _, c := range curves {
		var pts, mk []float64
		monotonic := true // x never decreases along the current piece
		flush := func() {
			if c.Width > 0 && len(pts) >= 4 { // two points or more
				if monotonic {
					pts = thinColumns(pts)
				}
				s.Line(pts, c.Colour, c.Width, 0)
			}
			pts, monotonic = nil, true
		}
		for i, v := range c.Y {
			t := tf(v)
			if !finite(t) || !finite(c.X[i]) {
				flush()
				continue
			}
			if n := len(pts); n >= 2 && px(c.X[i]) < pts[n-2] {
				monotonic = false
			}
			pts = append(pts, px(c.X[i]), py(t))
			if c.Marker > 0 {
				mk = append(mk, px(c.X[i]), py(t))
			}
		}
		flush()
		if len(mk) > 0 {
			s.Line(mk, c.Colour, 0, c.Marker)
		}
	}
	s.Text(float64(PlotArea.Min.X)-8, float64(PlotArea.Max.Y)+8, label(xlo), black)
	s.Text(float64(PlotArea.Max.X)-TextWidth(label(xhi), 2), float64(PlotArea.Max.Y)+8, label(xhi), black)
	s.Text(float64(PlotArea.Min.X+PlotArea.Dx()/2)-TextWidth(xLabel, 2)/2, float64(PlotArea.Max.Y)+24, xLabel, black)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// thinColumns reduces a line whose x never decreases (x, y pairs in pixels)
// to at most four points per pixel column: the first, the lowest, the
// highest and the last, in their order along the line. A 25,000-epoch curve
// drawn 520 pixels wide then looks the same (spikes included) with a
// tenth of the points, and its SVG is a tenth of the size.
func thinColumns(pts []float64) []float64 {
	if len(pts) <= 8*PlotArea.Dx() {
		return pts
	}
	out := make([]float64, 0, 8*PlotArea.Dx()+8)
	for i := 0; i < len(pts); {
		col := math.Floor(pts[i])
		j, lo, hi := i, i, i
		for ; j < len(pts) && math.Floor(pts[j]) == col; j += 2 {
			if pts[j+1] < pts[lo+1] {
				lo = j
			}
			if pts[j+1] > pts[hi+1] {
				hi = j
			}
		}
		last := j - 2
		keep := []int{i, min(lo, hi), max(lo, hi), last}
		prev := -1
		for _, k := range keep {
			if k != prev {
				out = append(out, pts[k], pts[k+1])
				prev = k
			}
		}
		i = j
	}
	return out
}
