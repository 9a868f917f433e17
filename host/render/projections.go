package render

import (
	"fmt"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// drawProjections draws a 3-D scatter as its three pairwise projections
// side by side (x–y, x–z, y–z), each coloured as the spec colours its
// points, with the colour bar at the right: a file has no camera to turn.
func drawProjections(c draw.Canvas, s *view.Spec, dpi float64) error {
	if s.Z == nil {
		return fmt.Errorf("render: 3-D spec %s has no z axis", s.Name)
	}
	bar := s.Color != nil && hasColouredSeries(s)
	room := c
	if bar {
		room = draw.Crop(c, 0, -colorBarWidth, 0, 0)
	}
	tiles := draw.Tiles{Rows: 1, Cols: 3, PadX: vg.Points(18)}
	pairs := []struct {
		a, b view.Axis
		pa   func(view.Series) (x, y view.Floats)
	}{
		{s.X, s.Y, func(se view.Series) (view.Floats, view.Floats) { return se.X, se.Y }},
		{s.X, *s.Z, func(se view.Series) (view.Floats, view.Floats) { return se.X, se.Z }},
		{s.Y, *s.Z, func(se view.Series) (view.Floats, view.Floats) { return se.Y, se.Z }},
	}
	var last draw.Canvas
	for i, pr := range pairs {
		sub := *s
		sub.Kind = view.Scatter
		sub.Series = make([]view.Series, len(s.Series))
		for j, se := range s.Series {
			se.X, se.Y = pr.pa(se)
			se.Z = nil
			sub.Series[j] = se
		}
		p, err := newPlot(&sub, pr.a, pr.b, dpi)
		if err != nil {
			return err
		}
		tc := drawPlot(p, tiles.At(room, i, 0), false)
		last = p.DataCanvas(tc)
	}
	if bar {
		strip := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: room.Max.X + 6, Y: last.Min.Y}, Max: vg.Point{X: room.Max.X + colorBarWidth, Y: last.Max.Y}}}
		drawColorBar(strip, s.Color, dpi)
	}
	return nil
}
