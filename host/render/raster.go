package render

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
)

// Raster draws the scene into a new RGBA image of its size. Shapes are not
// anti-aliased, so a picture holds only the colours its shapes name (which
// keeps GIF palettes exact).
func Raster(s *Scene) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, s.Width, s.Height))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: s.Background}, image.Point{}, draw.Src)
	for _, sh := range s.Shapes {
		switch sh := sh.(type) {
		case *Rect:
			fillRect(img, sh.X, sh.Y, sh.W, sh.H, sh.Fill)
		case *Polyline:
			w := sh.Width
			for i := 0; w > 0 && i+3 < len(sh.Points); i += 2 {
				x0, y0, x1, y1 := sh.Points[i], sh.Points[i+1], sh.Points[i+2], sh.Points[i+3]
				n := int(math.Ceil(2*math.Hypot(x1-x0, y1-y0))) + 1
				for k := 0; k <= n; k++ {
					u := float64(k) / float64(n)
					fillRect(img, x0+u*(x1-x0)-w/2, y0+u*(y1-y0)-w/2, w, w, sh.Stroke)
				}
			}
			if sh.Marker > 0 {
				for i := 0; i+1 < len(sh.Points); i += 2 {
					fillRect(img, sh.Points[i]-sh.Marker/2, sh.Points[i+1]-sh.Marker/2, sh.Marker, sh.Marker, sh.Stroke)
				}
			}
		case *Text:
			drawText(img, sh)
		}
	}
	return img
}

// fillRect fills the pixels whose centres lie in the rectangle.
func fillRect(img *image.RGBA, x, y, w, h float64, c color.RGBA) {
	r := image.Rect(int(math.Round(x)), int(math.Round(y)), int(math.Round(x+w)), int(math.Round(y+h))).Intersect(img.Bounds())
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			img.SetRGBA(px, py, c)
		}
	}
}

// drawText draws t with the built-in font.
func drawText(img *image.RGBA, t *Text) {
	sc := float64(max(1, t.Scale))
	x := t.X
	for _, r := range t.S {
		g := glyph(r)
		for i, c := range g {
			if c == '#' {
				fillRect(img, x+float64(i%glyphW)*sc, t.Y+float64(i/glyphW)*sc, sc, sc, t.Fill)
			}
		}
		x += (glyphW + 1) * sc
	}
}

// WritePNG writes the rasterized scene as a PNG.
func WritePNG(w io.Writer, s *Scene) error {
	return png.Encode(w, Raster(s))
}
