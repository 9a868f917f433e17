package render

import "image/color"

// Scene is a picture in pixel coordinates, origin top left: shapes are drawn
// in order, later ones over earlier ones.
type Scene struct {
	Width, Height int
	Background    color.RGBA
	Shapes        []Shape
}

// Shape is one element of a Scene: a *Rect, *Polyline or *Text.
type Shape interface{ isShape() }

// Rect is a filled axis-aligned rectangle.
type Rect struct {
	X, Y, W, H float64
	Fill       color.RGBA
}

// Polyline is a line through Points (x, y pairs) of width Width pixels (no
// line when Width is 0). When Marker is positive a filled square of that
// side is drawn at each point.
type Polyline struct {
	Points []float64
	Stroke color.RGBA
	Width  float64
	Marker float64
}

// Text is a line of text whose top-left corner is (X, Y), drawn with the
// built-in font at Scale pixels per font pixel.
type Text struct {
	X, Y  float64
	S     string
	Fill  color.RGBA
	Scale int
}

func (*Rect) isShape()     {}
func (*Polyline) isShape() {}
func (*Text) isShape()     {}

// NewScene returns an empty white w×h scene.
func NewScene(w, h int) *Scene {
	return &Scene{Width: w, Height: h, Background: color.RGBA{255, 255, 255, 255}}
}

// Rect adds a filled rectangle.
func (s *Scene) Rect(x, y, w, h float64, fill color.RGBA) {
	s.Shapes = append(s.Shapes, &Rect{X: x, Y: y, W: w, H: h, Fill: fill})
}

// Line adds a polyline through pts (x, y pairs).
func (s *Scene) Line(pts []float64, stroke color.RGBA, width, marker float64) {
	s.Shapes = append(s.Shapes, &Polyline{Points: pts, Stroke: stroke, Width: width, Marker: marker})
}

// Text adds a line of text at scale 2.
func (s *Scene) Text(x, y float64, str string, fill color.RGBA) {
	s.Shapes = append(s.Shapes, &Text{X: x, Y: y, S: str, Fill: fill, Scale: 2})
}

// TextWidth returns the width in pixels of str drawn at scale.
func TextWidth(str string, scale int) float64 {
	return float64(len([]rune(str)) * (glyphW + 1) * scale)
}

var (
	black = color.RGBA{0, 0, 0, 255}
	grey  = color.RGBA{150, 150, 150, 255}
	blue  = color.RGBA{31, 119, 180, 255}
	red   = color.RGBA{214, 39, 40, 255}
	green = color.RGBA{44, 160, 44, 255}
)
