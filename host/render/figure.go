package render

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// Size returns a figure's size for a spec: 8 × 5 in for curves and bars,
// room for a colour bar and a square data area for a square grid, three
// panels across for a 3-D scatter.
func Size(s *view.Spec) (w, h vg.Length) {
	switch {
	case s.Kind == view.Scatter3D:
		return 13 * vg.Inch, 5 * vg.Inch
	case s.Square:
		return 7.6 * vg.Inch, 6.6 * vg.Inch
	case s.Kind == view.Heatmap:
		return 9 * vg.Inch, 5.5 * vg.Inch
	case s.Color != nil:
		return 8.5 * vg.Inch, 5.5 * vg.Inch
	}
	return 8 * vg.Inch, 5 * vg.Inch
}

// Draw draws the spec onto c: title and subtitle at the top, the legend
// at the bottom, the colour bar at the right, the picture in between.
// dpi is the resolution grids are drawn at. It returns an error for a
// spec it cannot draw (a kind it does not know, a series gonum refuses).
func Draw(c draw.Canvas, s *view.Spec, dpi float64) error {
	c.SetColor(white)
	c.Fill(c.Rectangle.Path())
	c = draw.Crop(c, 8, -12, 6, -8)
	c = drawTitle(c, s)
	lg := newLegend(legendEntries(s))
	if h := lg.height(c.Max.X - c.Min.X); h > 0 {
		lg.draw(draw.Crop(c, 0, 0, 0, -(c.Max.Y-c.Min.Y)+h))
		c = draw.Crop(c, 0, 0, h+4, 0)
	}
	switch s.Kind {
	case view.Text:
		st := textStyle(titleSize+3, black)
		st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
		c.FillText(st, c.Center(), s.Text)
		return nil
	case view.Scatter3D:
		return drawProjections(c, s, dpi)
	case view.Lines, view.Bars, view.Scatter, view.Heatmap:
	default:
		return fmt.Errorf("render: spec %s has kind %q, which has no picture", s.Name, s.Kind)
	}
	bar := s.Color != nil && (s.Kind == view.Heatmap || hasColouredSeries(s))
	main := c
	if bar {
		main = draw.Crop(c, 0, -colorBarWidth, 0, 0)
	}
	p, err := newPlot(s, s.X, s.Y, dpi)
	if err != nil {
		return err
	}
	main = drawPlot(p, main, s.Square)
	if bar {
		da := p.DataCanvas(main)
		strip := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: main.Max.X + 6, Y: da.Min.Y}, Max: vg.Point{X: main.Max.X + colorBarWidth, Y: da.Max.Y}}}
		drawColorBar(strip, s.Color, dpi)
	}
	return nil
}

// drawTitle draws the title (and the subtitle below it, smaller and grey)
// at the top of c and returns the room left below.
func drawTitle(c draw.Canvas, s *view.Spec) draw.Canvas {
	y := c.Max.Y
	if s.Title != "" {
		st := textStyle(titleSize, black)
		st.XAlign, st.YAlign = draw.XCenter, draw.YTop
		c.FillText(st, vg.Point{X: c.Center().X, Y: y}, s.Title)
		y -= st.Height(s.Title) + 2
	}
	if s.Subtitle != "" {
		st := textStyle(noteSize, greyText)
		st.XAlign, st.YAlign = draw.XCenter, draw.YTop
		c.FillText(st, vg.Point{X: c.Center().X, Y: y}, s.Subtitle)
		y -= st.Height(s.Subtitle) + 2
	}
	return draw.Crop(c, 0, 0, 0, -(c.Max.Y-y)-4)
}

func hasColouredSeries(s *view.Spec) bool {
	for _, se := range s.Series {
		if se.C != nil {
			return true
		}
	}
	return false
}

// newPlot builds the gonum plot of a 2-D spec over axes x and y: cells,
// window bands, series, then the marker lines on top.
func newPlot(s *view.Spec, x, y view.Axis, dpi float64) (*plot.Plot, error) {
	p := plot.New()
	p.BackgroundColor = nil
	setAxis(&p.X, x)
	setAxis(&p.Y, y)
	if s.Grid != nil && s.Color != nil {
		p.Add(newCells(s.Grid, s.Color, dpi))
	}
	if len(s.Markers) > 0 {
		p.Add(bands{ms: s.Markers})
	}
	if err := addSeries(p, s); err != nil {
		return nil, fmt.Errorf("render: spec %s: %w", s.Name, err)
	}
	if len(s.Markers) > 0 {
		p.Add(vlines{ms: s.Markers})
	}
	// The spec's ranges win over the data's.
	if x.Range != nil {
		p.X.Min, p.X.Max = x.Range[0], x.Range[1]
	}
	if y.Range != nil {
		p.Y.Min, p.Y.Max = y.Range[0], y.Range[1]
	}
	fitLog(&p.Y)
	fitLog(&p.X)
	return p, nil
}

// drawPlot draws p in c, squared up when asked, with the y title drawn
// by yTitle (gonum pads a long vertical title as if it stood upright),
// and returns the canvas the plot took.
func drawPlot(p *plot.Plot, c draw.Canvas, square bool) draw.Canvas {
	title := p.Y.Label.Text
	p.Y.Label.Text = ""
	room := vg.Length(0)
	if title != "" {
		room = p.Y.Label.TextStyle.Height(title) + 4
	}
	inner := draw.Crop(c, room, 0, 0, 0)
	if square {
		inner = squareUp(p, inner)
	}
	p.Draw(inner)
	if title != "" {
		yTitle(c, p.DataCanvas(inner), p.Y.Label.TextStyle, title, c.Min.X)
	}
	return inner
}

// yTitle draws a vertical axis title, reading upwards, its left edge at
// x, centred on the data area da.
func yTitle(c draw.Canvas, da draw.Canvas, st text.Style, title string, x vg.Length) {
	st.Rotation = math.Pi / 2
	st.XAlign, st.YAlign = draw.XCenter, draw.YTop
	c.FillText(st, vg.Point{X: x, Y: (da.Min.Y + da.Max.Y) / 2}, title)
}

// squareUp narrows (or lowers) c so that p's data area is square: a p × p
// grid stays square. The axes' room does not depend on the other
// dimension, so one step suffices.
func squareUp(p *plot.Plot, c draw.Canvas) draw.Canvas {
	da := p.DataCanvas(c)
	w, h := da.Max.X-da.Min.X, da.Max.Y-da.Min.Y
	switch {
	case w > h:
		return draw.Crop(c, 0, -(w - h), 0, 0)
	case h > w:
		return draw.Crop(c, 0, 0, 0, -(h - w))
	}
	return c
}
