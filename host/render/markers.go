package render

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// bands draws a spec's window markers: shaded spans of x behind the data,
// each labelled at its top.
type bands struct{ ms []view.Marker }

// Plot implements plot.Plotter.
func (b bands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	label := textStyle(noteSize, greyText)
	label.XAlign, label.YAlign = draw.XLeft, draw.YTop
	free := c.Min.X // labels never overlap: each starts right of the last
	for _, m := range b.ms {
		if m.Kind != "window" {
			continue
		}
		x0, x1 := clampX(p, m.X), clampX(p, m.X2)
		if x1 <= x0 {
			continue
		}
		rgba := view.ParseHex(m.Color)
		fill := color.NRGBA{rgba.R, rgba.G, rgba.B, 90}
		a, b := trX(x0), trX(x1)
		c.FillPolygon(fill, []vg.Point{{X: a, Y: c.Min.Y}, {X: b, Y: c.Min.Y}, {X: b, Y: c.Max.Y}, {X: a, Y: c.Max.Y}})
		if w := label.Width(m.Label); m.Label != "" && w < b-a && a >= free {
			c.FillText(label, vg.Point{X: a + vg.Points(2), Y: c.Max.Y - vg.Points(2)}, m.Label)
			free = a + w + vg.Points(6)
		}
	}
}

// clampX keeps x inside the plot's x range.
func clampX(p *plot.Plot, x float64) float64 { return max(p.X.Min, min(p.X.Max, x)) }

// vlines draws a spec's other markers over the data: checkpoints as short
// grey ticks at the bottom, labelled lines (the grokking epoch) dashed,
// the current epoch as a solid red line.
type vlines struct{ ms []view.Marker }

// Plot implements plot.Plotter.
func (v vlines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, m := range v.ms {
		if m.X < p.X.Min || m.X > p.X.Max {
			continue
		}
		x := trX(m.X)
		switch m.Kind {
		case "checkpoint":
			top := c.Min.Y + (c.Max.Y-c.Min.Y)*0.04
			c.StrokeLine2(draw.LineStyle{Color: cssColor(m.Color, lightGrey), Width: vg.Points(1)}, x, c.Min.Y, x, top)
		case "line":
			c.StrokeLine2(draw.LineStyle{Color: cssColor(m.Color, black), Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}, x, c.Min.Y, x, c.Max.Y)
		case "epoch":
			c.StrokeLine2(draw.LineStyle{Color: cssColor(m.Color, black), Width: vg.Points(1.5)}, x, c.Min.Y, x, c.Max.Y)
		}
	}
}
