package render

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"io"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/tdw-workbench/tdw/host/view"
)

// Formats are the file formats an export writes: one picture as PNG, SVG,
// PDF or standalone HTML, or an animated GIF with a frame per epoch.
var Formats = []string{"png", "svg", "pdf", "html", "gif"}

// PictureFormats are the formats Write draws one picture in.
var PictureFormats = []string{"png", "svg", "pdf"}

// DPI is the resolution of PNG and GIF pictures.
const DPI = 120

// vectorDPI is the resolution grids are drawn at inside SVG and PDF.
const vectorDPI = 200

// Write draws the spec to w as "png", "svg" or "pdf"; any other format is
// an error (HTML and GIF have writers of their own: WriteHTML, WriteGIF).
func Write(w io.Writer, s *view.Spec, format string) error {
	width, height := Size(s)
	switch format {
	case "png":
		img, err := Image(s)
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(w)
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(bw, img); err != nil {
			return err
		}
		return bw.Flush()
	case "svg":
		c := vgsvg.New(width, height)
		if err := Draw(draw.New(c), s, vectorDPI); err != nil {
			return err
		}
		_, err := c.WriteTo(w)
		return err
	case "pdf":
		c := vgpdf.New(width, height)
		if err := Draw(draw.New(c), s, vectorDPI); err != nil {
			return err
		}
		_, err := c.WriteTo(w)
		return err
	}
	return fmt.Errorf("format %q: a picture is written as png, svg or pdf", format)
}

// Image draws the spec as an image at DPI.
func Image(s *view.Spec) (image.Image, error) {
	width, height := Size(s)
	c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))
	if err := Draw(draw.New(c), s, DPI); err != nil {
		return nil, err
	}
	return c.Image(), nil
}

// pixels returns a spec's picture size in pixels at DPI.
func pixels(s *view.Spec) (int, int) {
	w, h := Size(s)
	return int(w.Dots(DPI) + 0.5), int(h.Dots(DPI) + 0.5)
}
