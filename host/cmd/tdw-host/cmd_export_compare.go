package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
)

// exportCompare draws one view of several variants overlaid
// (view.Comparison) to a PNG, SVG, PDF or HTML file: export --compare
// V1,V2 VIEW.
func (a *app) exportCompare(o exportFlags, name string) error {
	if o.format == "gif" {
		return usageErrorf("--compare with --format gif: a comparison exports as png, svg, pdf or html")
	}
	req, err := o.request(name)
	if err != nil {
		return err
	}
	var names []string
	for _, n := range strings.Split(o.compare, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return usageErrorf("--compare: name the variants to overlay, comma-separated")
	}
	if len(names) > view.MaxCompare {
		return usageErrorf("--compare: %d variants, a comparison overlays at most %d", len(names), view.MaxCompare)
	}
	vs := make([]*variant.Variant, 0, len(names))
	for _, n := range names {
		_, v, err := a.resolveVariant(n, variantArg{})
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	c, err := view.NewComparison(vs, nil)
	if err != nil {
		return usageErrorf("--compare: %v", err)
	}
	s, err := c.Build(req)
	if err != nil {
		return exportError(err)
	}
	out := o.out
	if out == "" {
		out = render.CompareFileName(vs, req.Ref, o.epoch, o.format)
	}
	// Drawn before the file is touched: a failing drawing writes nothing.
	var pic bytes.Buffer
	if err := render.WriteSpec(&pic, s, o.format, a.scripts); err != nil {
		return exportError(err)
	}
	write := func(w io.Writer) error { _, err := w.Write(pic.Bytes()); return err }
	if err := atomicfile.WriteWith(out, 0o644, write); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "wrote %s\n", out)
	return nil
}
