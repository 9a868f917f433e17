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
	var ys, xs []float64
	for _, c := range curves {
		if len(c.X) != len(c.Y) {
			panic("render: a curve has different numbers of x and y values")
		}
		for i, v := range c.Y {
			ys = append(ys, tf(v))
			xs = append(xs, c.X[i])
		}
	}
	lo, hi := finiteRange(ys)
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	xlo, xhi := finiteRange(xs)
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
		flush := func() {
			if c.Width > 0 && len(pts) >= 4 { // two points or more
				s.Line(pts, c.Colour, c.Width, 0)
			}
			pts = nil
		}
		for i, v := range c.Y {
			t := tf(v)
			if math.IsNaN(t) || math.IsInf(t, 0) || math.IsNaN(c.X[i]) || math.IsInf(c.X[i], 0) {
				flush()
				continue
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
