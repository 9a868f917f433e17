package render

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tdw-workbench/tdw/host/view"
)

// legendEntry is one line of a legend: a swatch and its text.
type legendEntry struct {
	text  string
	color color.Color
	// kind is "line", "dash", "point" or "band".
	kind string
}

// legendEntries lists what a picture's colours mean: its series (when
// there is more than one, or one coloured by a scale), then its labelled
// markers.
func legendEntries(s *view.Spec) []legendEntry {
	var out []legendEntry
	// One series is named by the title unless its name says more (a
	// compared variant's label).
	if len(s.Series) > 1 || (len(s.Series) == 1 && s.Series[0].Name != "" && !strings.HasSuffix(s.Name, s.Series[0].Name)) {
		for i, se := range s.Series {
			if se.C != nil {
				continue
			}
			kind := "line"
			if se.Mode == "markers" || s.Kind == view.Scatter {
				kind = "point"
			}
			if s.Kind == view.Bars {
				kind = "band"
			}
			out = append(out, legendEntry{text: se.Name, color: cssColor(se.Color, view.ParseHex(view.Palette[i%len(view.Palette)])), kind: kind})
		}
	}
	seen := map[string]bool{}
	for _, m := range s.Markers {
		if m.Label == "" || seen[m.Kind+m.Label] {
			continue
		}
		seen[m.Kind+m.Label] = true
		switch m.Kind {
		case "window":
			rgba := view.ParseHex(m.Color)
			out = append(out, legendEntry{text: m.Label, color: color.NRGBA{rgba.R, rgba.G, rgba.B, 90}, kind: "band"})
		case "line":
			out = append(out, legendEntry{text: m.Label, color: cssColor(m.Color, black), kind: "dash"})
		case "epoch":
			out = append(out, legendEntry{text: m.Label, color: cssColor(m.Color, black), kind: "line"})
		}
	}
	return out
}

// legend lays entries out in rows across a width: every entry whole (a
// long one gets a row of its own), never cut.
type legend struct {
	entries []legendEntry
	style   text.Style
}

const (
	swatchW = vg.Length(18)
	gapW    = vg.Length(14)
)

func newLegend(entries []legendEntry) legend {
	st := textStyle(noteSize+1, black)
	st.XAlign, st.YAlign = draw.XLeft, draw.YCenter
	return legend{entries: entries, style: st}
}

// rows assigns entries to rows that fit width.
func (l legend) rows(width vg.Length) [][]legendEntry {
	var out [][]legendEntry
	var cur []legendEntry
	x := vg.Length(0)
	for _, e := range l.entries {
		w := swatchW + 4 + l.style.Width(e.text)
		if len(cur) > 0 && x+w > width {
			out = append(out, cur)
			cur, x = nil, 0
		}
		cur = append(cur, e)
		x += w + gapW
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (l legend) rowHeight() vg.Length { return l.style.Height("Mg") + 4 }

// height is the legend's height across width (0 without entries).
func (l legend) height(width vg.Length) vg.Length {
	n := len(l.rows(width))
	if n == 0 {
		return 0
	}
	return vg.Length(n)*l.rowHeight() + 6
}

// draw draws the legend from the top of c down.
func (l legend) draw(c draw.Canvas) {
	y := c.Max.Y - 3 - l.rowHeight()/2
	for _, row := range l.rows(c.Max.X - c.Min.X) {
		x := c.Min.X
		for _, e := range row {
			drawSwatch(c, e, x, y)
			c.FillText(l.style, vg.Point{X: x + swatchW + 4, Y: y}, e.text)
			x += swatchW + 4 + l.style.Width(e.text) + gapW
		}
		y -= l.rowHeight()
	}
}

// drawSwatch draws an entry's sample at (x, y), the left of a swatch.
func drawSwatch(c draw.Canvas, e legendEntry, x, y vg.Length) {
	switch e.kind {
	case "point":
		c.DrawGlyph(draw.GlyphStyle{Color: e.color, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}, vg.Point{X: x + swatchW/2, Y: y})
	case "band":
		h := vg.Length(5)
		c.FillPolygon(e.color, []vg.Point{{X: x, Y: y - h}, {X: x + swatchW, Y: y - h}, {X: x + swatchW, Y: y + h}, {X: x, Y: y + h}})
	default:
		ls := draw.LineStyle{Color: e.color, Width: vg.Points(2)}
		if e.kind == "dash" {
			ls.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		c.StrokeLine2(ls, x, y, x+swatchW, y)
	}
}
