package render

import (
	"image"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// cells draws a spec's grid as coloured cells: cell (r, c) spans halfway
// to its neighbours' coordinates, so unevenly spaced epochs get cells of
// their own widths. It draws an image at the device's resolution with
// each pixel the colour of the cell under it (no smoothing across cells),
// fast for 113 × 113 and 56 × 512 grids alike.
type cells struct {
	// dpi is the resolution the image is drawn at: the PNG's own, or
	// twice the screen's for vector formats.
	dpi    float64
	g      *view.Grid
	scale  *view.ColorScale
	xe, ye []float64 // cell edges: len(X)+1, len(Y)+1
}

// newCells returns the cells of g coloured on scale.
func newCells(g *view.Grid, scale *view.ColorScale, dpi float64) *cells {
	return &cells{dpi: dpi, g: g, scale: scale, xe: edges(g.X, g.Cols), ye: edges(g.Y, g.Rows)}
}

// edges returns the n+1 edges of n cells centred on coords (0..n-1 when
// coords are missing): halfway between neighbours, half a step outside
// the ends.
func edges(coords []float64, n int) []float64 {
	c := make([]float64, n)
	for i := range c {
		c[i] = float64(i)
		if i < len(coords) && !math.IsNaN(coords[i]) {
			c[i] = coords[i]
		}
	}
	e := make([]float64, n+1)
	if n == 1 {
		e[0], e[1] = c[0]-0.5, c[0]+0.5
		return e
	}
	for i := 1; i < n; i++ {
		e[i] = (c[i-1] + c[i]) / 2
	}
	e[0] = c[0] - (c[1]-c[0])/2
	e[n] = c[n-1] + (c[n-1]-c[n-2])/2
	return e
}

// DataRange implements plot.DataRanger.
func (h *cells) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Min(h.xe[0], h.xe[len(h.xe)-1]), math.Max(h.xe[0], h.xe[len(h.xe)-1]),
		math.Min(h.ye[0], h.ye[len(h.ye)-1]), math.Max(h.ye[0], h.ye[len(h.ye)-1])
}

// Plot implements plot.Plotter.
func (h *cells) Plot(c draw.Canvas, p *plot.Plot) {
	xmin, xmax, ymin, ymax := h.DataRange()
	trX, trY := p.Transforms(&c)
	x0, x1, y0, y1 := trX(xmin), trX(xmax), trY(ymin), trY(ymax)
	w := max(1, int(math.Ceil((x1-x0).Points()*h.dpi/72)))
	hgt := max(1, int(math.Ceil((y1-y0).Points()*h.dpi/72)))
	w, hgt = min(w, 4096), min(hgt, 4096)
	img := image.NewRGBA(image.Rect(0, 0, w, hgt))
	col := make([]int, w) // cell column under each pixel column
	for i := range col {
		col[i] = cellAt(h.xe, xmin+(xmax-xmin)*(float64(i)+0.5)/float64(w))
	}
	palette := map[float64]color.RGBA{}
	for j := range hgt {
		r := cellAt(h.ye, ymax-(ymax-ymin)*(float64(j)+0.5)/float64(hgt)) // image rows run down
		row := img.Pix[j*img.Stride:]
		for i, cc := range col {
			if r < 0 || cc < 0 {
				continue
			}
			v := h.g.Z[r*h.g.Cols+cc]
			k, ok := palette[v]
			if !ok {
				k = h.scale.RGBA(v)
				palette[v] = k
			}
			row[4*i], row[4*i+1], row[4*i+2], row[4*i+3] = k.R, k.G, k.B, k.A
		}
	}
	plotter.NewImage(img, xmin, ymin, xmax, ymax).Plot(c, p)
}

// cellAt returns the cell whose edges hold v, -1 outside; edges may run
// either way.
func cellAt(e []float64, v float64) int {
	n := len(e) - 1
	if e[n] < e[0] {
		i := cellAt(reversed(e), v)
		if i < 0 {
			return -1
		}
		return n - 1 - i
	}
	if v < e[0] || v > e[n] {
		return -1
	}
	i := sort.SearchFloat64s(e, v) - 1
	return max(0, min(n-1, i))
}

func reversed(e []float64) []float64 {
	out := make([]float64, len(e))
	for i, v := range e {
		out[len(e)-1-i] = v
	}
	return out
}
