package render

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
)

// Export draws the request's view of the builder's variant in format to
// w: "png", "svg", "pdf" or "html" the picture at req.Epoch, "gif" one
// frame per epoch on one colour scale (view.Builder.Frames). sc are the
// scripts an html file inlines. Errors are the builder's, an unknown
// format, or ErrNoPlotly.
func Export(w io.Writer, b *view.Builder, req view.Request, format string, sc HTMLScripts) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("format %q: want one of %s", format, strings.Join(Formats, ", "))
	}
	if format == "gif" {
		frames, err := b.Frames(req)
		if err != nil {
			return err
		}
		return WriteGIF(w, frames)
	}
	s, err := b.Build(req)
	if err != nil {
		return err
	}
	return WriteSpec(w, s, format, sc)
}

// WriteSpec writes one spec as "png", "svg", "pdf" (Write) or "html"
// (WriteHTML, with sc).
func WriteSpec(w io.Writer, s *view.Spec, format string, sc HTMLScripts) error {
	if format == "html" {
		return WriteHTML(w, s, sc)
	}
	return Write(w, s, format)
}

// FileName is the default file name of an exported picture: stem (a
// variant's name, say), "_", the view with "/" written "-", "_AS" for a
// view drawn in a style other than its first, "_eN" when it shows one
// epoch N (epoch ≥ 0), and format as the extension.
func FileName(stem string, ref view.Ref, as string, epoch int, format string) string {
	name := stem + "_" + strings.ReplaceAll(ref.String(), "/", "-")
	if as != "" {
		name += "_" + as
	}
	if epoch >= 0 {
		name += fmt.Sprintf("_e%d", epoch)
	}
	return name + "." + format
}

// CompareFileName is the default file name of a comparison's picture:
// "compare_", the variant names (the first and a count past three), the
// view with slashes as dashes, the marked epoch when one was given, and
// the format.
func CompareFileName(vs []*variant.Variant, ref view.Ref, epoch int, format string) string {
	names := make([]string, 0, 4)
	for i, v := range vs {
		if len(vs) > 3 && i == 1 {
			names = append(names, fmt.Sprintf("and_%d_more", len(vs)-1))
			break
		}
		names = append(names, v.Name)
	}
	return FileName("compare_"+strings.Join(names, "_"), ref, "", epoch, format)
}
