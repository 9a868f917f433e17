package render

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// Font sizes of a figure, in points: readable at the figure's size.
const (
	titleSize = 13
	labelSize = 11
	tickSize  = 10
	noteSize  = 9
)

// sans is the figures' typeface: Liberation Sans, metric-compatible with
// Arial and Helvetica, compiled into gonum/plot.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// face returns the figures' font at size points.
func face(size vg.Length) font.Font { return font.From(sans, size) }

// textStyle returns a plain text style of the figures' font at size points.
func textStyle(size vg.Length, c color.Color) text.Style {
	return text.Style{Color: c, Font: face(size), Handler: plot.DefaultTextHandler}
}

var (
	black     = color.RGBA{A: 255}
	greyText  = color.RGBA{90, 90, 90, 255}
	lightGrey = color.RGBA{200, 200, 200, 255}
	white     = color.RGBA{255, 255, 255, 255}
)

// cssColor reads a spec colour ("#rrggbb"); empty gives def.
func cssColor(s string, def color.Color) color.Color {
	if s == "" {
		return def
	}
	return view.ParseHex(s)
}

// lineStyle is a series' line: its colour, 1.5 pt, dashed as asked.
func lineStyle(c color.Color, dash string) draw.LineStyle {
	ls := draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	switch dash {
	case "dash":
		ls.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	case "dot":
		ls.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	}
	return ls
}
