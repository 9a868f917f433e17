package render

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// addSeries adds a spec's series to p: lines, points or both, bars, or
// points coloured on the spec's colour scale. Points a log axis cannot
// show (≤ 0) and non-finite ones break a line.
func addSeries(p *plot.Plot, s *view.Spec) error {
	logY := s.Y.Log
	for i, se := range s.Series {
		col := cssColor(se.Color, view.ParseHex(view.Palette[i%len(view.Palette)]))
		if s.Kind == view.Bars {
			p.Add(&bars{x: se.X, y: se.Y, color: col, log: logY})
			continue
		}
		if se.C != nil && s.Color != nil {
			p.Add(&colouredPoints{x: se.X, y: se.Y, c: se.C, scale: s.Color, joined: se.Mode == "lines+markers"})
			continue
		}
		mode := se.Mode
		if mode == "" {
			mode = "lines"
			if s.Kind == view.Scatter {
				mode = "markers"
			}
		}
		for _, seg := range segments(se.X, se.Y, logY) {
			if mode != "markers" && len(seg) > 1 {
				l, err := plotter.NewLine(seg)
				if err != nil {
					return err
				}
				l.LineStyle = lineStyle(col, se.Dash)
				p.Add(l)
			}
			if mode != "lines" || len(seg) == 1 {
				sc, err := plotter.NewScatter(seg)
				if err != nil {
					return err
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
				p.Add(sc)
			}
		}
	}
	return nil
}

// segments splits points into runs of drawable ones.
func segments(x, y []float64, logY bool) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i := range min(len(x), len(y)) {
		ok := finite(x[i]) && finite(y[i]) && (!logY || y[i] > 0)
		if !ok {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x[i], Y: y[i]})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// bars draws a bar from 0 (the bottom of a log axis) to each value.
type bars struct {
	x, y  []float64
	color color.Color
	log   bool
}

// width is 80% of the least spacing between bars (0.8 for one).
func (b *bars) width() float64 {
	w := math.Inf(1)
	for i := 1; i < len(b.x); i++ {
		if d := math.Abs(b.x[i] - b.x[i-1]); d > 0 {
			w = math.Min(w, d)
		}
	}
	if math.IsInf(w, 1) {
		w = 1
	}
	return 0.8 * w
}

// DataRange implements plot.DataRanger.
func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	if b.log {
		ymin, ymax = math.Inf(1), math.Inf(-1)
	}
	w := b.width() / 2
	for i := range b.x {
		if !finite(b.y[i]) || (b.log && b.y[i] <= 0) {
			continue
		}
		xmin, xmax = math.Min(xmin, b.x[i]-w), math.Max(xmax, b.x[i]+w)
		ymin, ymax = math.Min(ymin, b.y[i]), math.Max(ymax, b.y[i])
	}
	return xmin, xmax, ymin, ymax
}

// Plot implements plot.Plotter.
func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	w := b.width() / 2
	base := 0.0
	if b.log {
		base = p.Y.Min
	}
	base = max(p.Y.Min, min(p.Y.Max, base))
	col := b.color
	for i := range b.x {
		if !finite(b.y[i]) || (b.log && b.y[i] <= 0) {
			continue
		}
		y := max(p.Y.Min, min(p.Y.Max, b.y[i]))
		x0, x1 := trX(b.x[i]-w), trX(b.x[i]+w)
		y0, y1 := trY(base), trY(y)
		c.FillPolygon(col, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
	}
}

// colouredPoints draws points coloured by value on a colour scale, joined
// in order by a thin grey line when asked (a trajectory).
type colouredPoints struct {
	x, y, c []float64
	scale   *view.ColorScale
	joined  bool
}

// DataRange implements plot.DataRanger.
func (cp *colouredPoints) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range cp.x {
		if finite(cp.x[i]) && finite(cp.y[i]) {
			xmin, xmax = math.Min(xmin, cp.x[i]), math.Max(xmax, cp.x[i])
			ymin, ymax = math.Min(ymin, cp.y[i]), math.Max(ymax, cp.y[i])
		}
	}
	return
}

// Plot implements plot.Plotter.
func (cp *colouredPoints) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if cp.joined {
		for _, seg := range segments(cp.x, cp.y, false) {
			pts := make([]vg.Point, len(seg))
			for i, q := range seg {
				pts[i] = vg.Point{X: trX(q.X), Y: trY(q.Y)}
			}
			c.StrokeLines(draw.LineStyle{Color: lightGrey, Width: vg.Points(1)}, c.ClipLinesXY(pts)...)
		}
	}
	for i := range cp.x {
		if !finite(cp.x[i]) || !finite(cp.y[i]) {
			continue
		}
		pt := vg.Point{X: trX(cp.x[i]), Y: trY(cp.y[i])}
		if !c.Contains(pt) {
			continue
		}
		v := math.NaN()
		if i < len(cp.c) {
			v = cp.c[i]
		}
		c.DrawGlyph(draw.GlyphStyle{Color: cp.scale.RGBA(v), Radius: vg.Points(3), Shape: draw.CircleGlyph{}}, pt)
	}
}
