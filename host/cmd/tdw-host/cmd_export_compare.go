package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/render"
	"github.com/tdw-workbench/tdw/host/variant"
)

// exportCompare draws one view of several variants overlaid
// (render.Comparison) to a PNG or SVG file: export --compare V1,V2 VIEW.
func (a *app) exportCompare(o exportFlags, view string) error {
	if o.format == "gif" {
		return usageErrorf("--compare with --format gif: a comparison exports as png or svg")
	}
	req, err := o.request(view)
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
	if len(names) > render.MaxCompare {
		return usageErrorf("--compare: %d variants, a comparison overlays at most %d", len(names), render.MaxCompare)
	}
	vs := make([]*variant.Variant, 0, len(names))
	for _, n := range names {
		_, v, err := a.resolveVariant(n, variantArg{})
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	c, err := render.NewComparison(vs)
	if err != nil {
		return usageErrorf("--compare: %v", err)
	}
	s, err := c.Render(req)
	if errors.Is(err, render.ErrBadView) {
		return usageErrorf("%v", err)
	}
	if err != nil {
		return err
	}
	out := o.out
	if out == "" {
		out = render.CompareFileName(vs, req.View, o.epoch, o.format)
	}
	write := func(w io.Writer) error { return render.WriteScene(w, s, o.format) }
	if err := atomicfile.WriteWith(out, 0o644, write); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "wrote %s\n", out)
	return nil
}
