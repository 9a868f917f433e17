package render

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"image/color"
	"io"
	"strconv"
	"strings"
)

// WriteSVG writes the scene as an SVG document: a <rect> per Rect (and one
// for the background), a <path> per Polyline (its markers as <rect>s) and a
// <text> per Text.
func WriteSVG(w io.Writer, s *Scene) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+"\n",
		s.Width, s.Height, s.Width, s.Height)
	fmt.Fprintf(b, `<rect x="0" y="0" width="%d" height="%d" fill="%s"/>`+"\n", s.Width, s.Height, hex(s.Background))
	for _, sh := range s.Shapes {
		switch sh := sh.(type) {
		case *Rect:
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n", num(sh.X), num(sh.Y), num(sh.W), num(sh.H), hex(sh.Fill))
		case *Polyline:
			if sh.Width > 0 && len(sh.Points) >= 4 {
				var d strings.Builder
				for i := 0; i+1 < len(sh.Points); i += 2 {
					cmd := "L"
					if i == 0 {
						cmd = "M"
					}
					fmt.Fprintf(&d, "%s%s %s", cmd, num(sh.Points[i]), num(sh.Points[i+1]))
				}
				fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="%s"/>`+"\n", d.String(), hex(sh.Stroke), num(sh.Width))
			}
			if sh.Marker > 0 {
				for i := 0; i+1 < len(sh.Points); i += 2 {
					fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n",
						num(sh.Points[i]-sh.Marker/2), num(sh.Points[i+1]-sh.Marker/2), num(sh.Marker), num(sh.Marker), hex(sh.Stroke))
				}
			}
		case *Text:
			sc := float64(max(1, sh.Scale))
			fmt.Fprintf(b, `<text x="%s" y="%s" font-family="monospace" font-size="%s" fill="%s">`, num(sh.X), num(sh.Y+glyphH*sc), num(glyphH*sc*1.4), hex(sh.Fill))
			if err := xml.EscapeText(b, []byte(sh.S)); err != nil {
				return err
			}
			b.WriteString("</text>\n")
		}
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}

func hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
