package render

import (
	"image"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// colorBarWidth is the room a colour bar takes at the right of a figure,
// its title and tick labels included.
const colorBarWidth = vg.Length(1.15 * 72)

// drawColorBar draws the scale as a vertical bar with its round ticks and
// title, spanning [bottom, top] of c.
func drawColorBar(c draw.Canvas, sc *view.ColorScale, dpi float64) {
	p := plot.New()
	p.HideX()
	p.X.Min, p.X.Max = 0, 1
	lo, hi := sc.Min, sc.Max
	if !(hi > lo) {
		hi = lo + 1
	}
	p.Y.Min, p.Y.Max = lo, hi
	setAxis(&p.Y, view.Axis{Ticks: sc.Ticks, Range: &[2]float64{lo, hi}})
	n := max(2, int(float64((c.Max.Y-c.Min.Y).Points())*dpi/72))
	img := image.NewRGBA(image.Rect(0, 0, 1, n))
	for j := range n {
		v := hi - (hi-lo)*(float64(j)+0.5)/float64(n)
		img.Set(0, j, sc.RGBA(v))
	}
	p.Add(plotter.NewImage(img, 0, lo, 1, hi))
	// The tick labels left of a 14 pt bar, the title right of it, reading
	// upwards.
	st := p.Y.Label.TextStyle
	st.Font.Size = labelSize
	titleW := st.Height(sc.Title) + 4
	inner := c
	bw := vg.Length(14)
	inner.Max.X = min(c.Max.X-titleW, c.Min.X+maxTickWidth(p)+p.Y.Tick.Length+2+bw)
	p.Draw(inner)
	da := p.DataCanvas(inner)
	yTitle(c, da, st, sc.Title, da.Max.X+6)
}

// maxTickWidth is the width of the widest tick label of p's y axis.
func maxTickWidth(p *plot.Plot) vg.Length {
	w := vg.Length(0)
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		w = max(w, p.Y.Tick.Label.Width(t.Label))
	}
	return w
}
