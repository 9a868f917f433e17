package view

import (
	"fmt"
	"slices"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
)

// summary builds ANALYZER/summary/NAME: one statistic over epochs (a line
// for a scalar per epoch; a line per component, or an epoch × component
// heatmap, for a vector), or several scalar statistics as lines in one
// picture (NAME,NAME,...). The request's epoch is marked.
func (b *Builder) summary(req Request, rd *results.Reader) (*Spec, error) {
	if err := b.checkEpoch(req.Epoch); err != nil {
		return nil, err
	}
	if names := req.Ref.Names(); len(names) > 1 {
		return b.summaryGroup(req, names, rd)
	}
	f, err := rd.OpenSummary(req.Ref.Analyzer)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	et, err := f.Read("epochs")
	if err != nil {
		return nil, err
	}
	t, err := f.Read(req.Ref.Array)
	if err != nil {
		return nil, err
	}
	epochs := et.AsFloat64()
	if t.Rank() == 0 || t.Shape()[0] != len(epochs) {
		return nil, fmt.Errorf("%s: statistic %s has shape %v but there are %d epochs", f.Path(), req.Ref.Array, t.Shape(), len(epochs))
	}
	decl := b.declared(req.Ref.Analyzer, req.Ref.Array, true)
	// The statistic's declared axes are its per-epoch axes; the stacked
	// array has the epoch first.
	stacked := decl
	if decl != nil {
		c := *decl
		c.AxisMeta = append([]registry.AxisMeta{{Name: "epoch", Title: "epoch"}}, decl.AxisMeta...)
		stacked = &c
	}
	in := arrayInput{analyzer: req.Ref.Analyzer, name: req.Ref.Array, t: t, decl: stacked, epochs: epochs}
	r := t.Rank() - 1
	switch req.As {
	case "", "lines", "heatmap":
	default:
		return nil, fmt.Errorf("%w: a summary statistic is drawn as lines or heatmap, not %s", ErrBadView, req.As)
	}
	if req.As == "" {
		req.As = summaryStyle(decl, r-len(req.Index), t.Shape()[t.Rank()-1])
	}
	if req.As == "heatmap" && r-len(req.Index) < 1 {
		return nil, fmt.Errorf("%w: statistic %s has %d values per epoch after the index: draw it as lines", ErrBadView, req.Ref.Array, 1)
	}
	s, err := b.summaryArray(req, in, r)
	if err != nil {
		return nil, fmt.Errorf("analyzer %s statistic %s: %w", req.Ref.Analyzer, req.Ref.Array, err)
	}
	s.Epoch = intPtr(req.Epoch)
	s.Markers = b.epochMarkers(req.Epoch, false)
	if s.Kind == Heatmap {
		s.Markers = lineMarkers(s.Markers)
	}
	return s, nil
}

// lineMarkers keeps the markers a heatmap over epochs shows: lines (the
// grokking and current epochs); shaded windows would hide its cells.
func lineMarkers(ms []Marker) []Marker {
	var out []Marker
	for _, m := range ms {
		if m.Kind == "line" || m.Kind == "epoch" {
			out = append(out, m)
		}
	}
	return out
}

// summaryArray draws a stacked statistic (epochs, per...) with r
// per-epoch axes: the request's index fixes leading per-epoch axes (0 for
// those a heatmap or lines cannot draw), then lines over epochs or a
// heatmap with epochs across and the component up.
func (b *Builder) summaryArray(req Request, in arrayInput, r int) (*Spec, error) {
	shape := in.t.Shape()
	axes := axesOf(in.decl, shape, in.epochs)
	axes[0] = axisInfo{name: "epoch", title: "epoch", coords: in.epochs}
	need := 1 // per-epoch axes drawn: one component axis (lines, heatmap)
	if r == 0 {
		need = 0
	}
	lead := r - need
	if len(req.Index) > r {
		return nil, fmt.Errorf("%w: statistic has %d per-epoch axes (shape %v) but the index has %d entries", results.ErrSelection, r, shape[1:], len(req.Index))
	}
	if len(req.Index) > lead {
		lead = len(req.Index)
	}
	fix := make([]int, lead)
	copy(fix, req.Index)
	per := shape[1:]
	off, err := results.Offset(per, fix)
	if err != nil {
		return nil, err
	}
	rest := per[lead:]
	k := 1
	for _, d := range rest {
		k *= d
	}
	all := in.t.AsFloat64()
	stride := len(all) / max(1, len(in.epochs))
	n := len(in.epochs)
	vals := make([]float64, n*k) // (epochs, k)
	for e := range n {
		copy(vals[e*k:(e+1)*k], all[e*stride+off*k:e*stride+(off+1)*k])
	}
	var sel []Selector
	for i := range lead {
		sel = append(sel, Selector{Axis: axes[1+i].name, Size: per[i], Value: fix[i]})
	}
	comp := axisInfo{name: "component", title: "component"}
	if len(rest) == 1 {
		comp = axes[1+lead]
	}
	var s *Spec
	if req.As == "heatmap" && len(rest) == 1 {
		s = b.epochHeatmap(in, vals, n, k, axes[0], comp)
	} else {
		if k > MaxLines {
			return nil, fmt.Errorf("%w: %d values per epoch (shape %v) are too many lines (at most %d): draw it as a heatmap, or fix an axis with an index", results.ErrSelection, k, per, MaxLines)
		}
		d := drawing{b: b, req: req, in: in, vals: vals, shape: []int{n, k}, axes: []axisInfo{axes[0], comp}}
		if k == 1 {
			d.shape = []int{n}
		}
		s = &Spec{Title: arrayTitle(in.analyzer, in.name, in.decl)}
		if err := d.lines(s, false); err != nil {
			return nil, err
		}
		if k == 1 {
			s.Series[0].Name = in.name
		}
	}
	s.Selectors = sel
	s.Subtitle = b.subtitle(req.Epoch, fix)
	return s, nil
}

// epochHeatmap lays out a statistic's (epochs, k) values with the epochs
// across (x) and the component up (y).
func (b *Builder) epochHeatmap(in arrayInput, vals []float64, n, k int, ea, ca axisInfo) *Spec {
	z := make(Floats, n*k) // rows: components, columns: epochs
	for e := range n {
		for c := range k {
			z[c*n+e] = vals[e*k+c]
		}
	}
	s := &Spec{Title: arrayTitle(in.analyzer, in.name, in.decl), Kind: Heatmap}
	s.X, s.Y = ea.axis(n), ca.axis(k)
	s.Grid = &Grid{Rows: k, Cols: n, Z: z, X: ea.values(n), Y: ca.values(k)}
	s.Color = NewColorScale(vals, valueTitle(in.decl, in.name), valueMeta(in.decl))
	return s
}

// summaryGroup draws several scalar statistics of one summary.npz as
// lines in one picture (the losses of the progress measures together).
func (b *Builder) summaryGroup(req Request, names []string, rd *results.Reader) (*Spec, error) {
	if len(names) > MaxLines {
		return nil, fmt.Errorf("%w: view %s names %d statistics, at most %d are drawn together", results.ErrSelection, req.Ref, len(names), MaxLines)
	}
	s := &Spec{Title: req.Ref.Analyzer + ": " + joinNames(names), Kind: Lines}
	var all []float64
	title := ""
	for k, n := range names {
		if slices.Contains(names[:k], n) {
			return nil, fmt.Errorf("%w: view %s names statistic %s twice", results.ErrSelection, req.Ref, n)
		}
		xs, ys, err := rd.Series(req.Ref.Analyzer, n, req.Index)
		if err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", req.Ref.Analyzer, err)
		}
		s.Series = append(s.Series, Series{Name: n, X: xs, Y: ys, Color: Palette[k%len(Palette)], Mode: "lines+markers"})
		all = append(all, ys...)
		vt := valueTitle(b.declared(req.Ref.Analyzer, n, true), n)
		if k == 0 {
			title = vt
		} else if title != vt {
			title = "value"
		}
		if k == 0 {
			s.X = axisInfo{name: "epoch", title: "epoch", coords: xs}.axis(len(xs))
		}
	}
	if len(names) > 1 && title == names[0] {
		title = "value"
	}
	s.Y = valueAxis(title, all, nil, req.LogY)
	s.Epoch = intPtr(req.Epoch)
	s.Markers = b.epochMarkers(req.Epoch, false)
	s.Subtitle = b.subtitle(req.Epoch, req.Index)
	return s, nil
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// summaryStyle is how a statistic with per values per epoch left after
// the index (last of them per epoch axis) is drawn when the request does
// not say: the first of lines and heatmap its declaration suggests that
// fits, else a heatmap for more components than MaxLines, else lines.
func summaryStyle(decl *registry.OutputSpec, per, last int) string {
	if decl != nil {
		for _, h := range decl.Views {
			if h.Kind == "lines" || (h.Kind == "heatmap" && per >= 1) {
				return h.Kind
			}
		}
	}
	if per >= 1 && last > MaxLines {
		return "heatmap"
	}
	return "lines"
}
