package render

import (
	"fmt"
	"io"
	"strings"
)

// Formats are the picture formats an export writes: a scene as PNG or SVG,
// or an animated GIF with a frame per analyzed epoch.
var Formats = []string{"png", "svg", "gif"}

// WriteScene writes s in format, "png" or "svg"; any other format is an
// error.
func WriteScene(w io.Writer, s *Scene, format string) error {
	switch format {
	case "png":
		return WritePNG(w, s)
	case "svg":
		return WriteSVG(w, s)
	}
	return fmt.Errorf("format %q: a picture is written as png or svg", format)
}

// Export draws req in format into w: "png" or "svg" draw the view at
// req.Epoch (Render), "gif" animates it over every analyzed epoch (Frames).
// Errors are Render's and Frames', or an unknown format.
func (r *Renderer) Export(w io.Writer, req Request, format string) error {
	if format == "gif" {
		frames, err := r.Frames(req)
		if err != nil {
			return err
		}
		return WriteGIF(w, frames)
	}
	if format != "png" && format != "svg" {
		return fmt.Errorf("format %q: want png, svg or gif", format)
	}
	s, err := r.Render(req)
	if err != nil {
		return err
	}
	return WriteScene(w, s, format)
}

// FileName is the default file name of an exported picture: stem (a
// variant's name, say), "_", the view with "/" written "-", "_eN" when it
// shows one epoch N (epoch ≥ 0), and format as the extension.
func FileName(stem string, view View, epoch int, format string) string {
	name := stem + "_" + strings.ReplaceAll(view.String(), "/", "-")
	if epoch >= 0 {
		name += fmt.Sprintf("_e%d", epoch)
	}
	return name + "." + format
}
