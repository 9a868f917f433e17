package view

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// MaxCells bounds the values one picture of an array draws; a bigger
// selection must fix more leading axes.
const MaxCells = 1 << 22

// arrayInput is an array to draw and what is known of it.
type arrayInput struct {
	analyzer, name string
	t              *sdk.Tensor
	decl           *registry.OutputSpec
	// epochs are the cross-epoch artifact's epochs (nil for a per-epoch
	// artifact or one without them): an axis of that length is the epoch.
	epochs []float64
}

// epochArray builds the spec of an array of one epoch's artifact.
func (b *Builder) epochArray(req Request, rec *results.AnalyzerRecord, rd *results.Reader) (*Spec, error) {
	eps := rec.CompletedEpochs()
	if len(eps) == 0 {
		return nil, errNoEpoch(req.Ref.Analyzer)
	}
	if req.FixedRange {
		return b.fixedFrame(req, eps)
	}
	ep := req.Epoch
	if ep < 0 {
		ep = eps[len(eps)-1]
	} else if !slices.Contains(eps, ep) {
		if err := b.checkEpoch(ep); err != nil {
			return nil, err
		}
		return nil, noArtifact(req.Ref.Analyzer, ep, eps)
	}
	t, err := rd.EpochEntry(req.Ref.Analyzer, ep, req.Ref.Array)
	if err != nil {
		return nil, err
	}
	in := arrayInput{analyzer: req.Ref.Analyzer, name: req.Ref.Array, t: t, decl: b.declared(req.Ref.Analyzer, req.Ref.Array, false)}
	req.Epoch = ep
	s, err := b.drawArray(req, in)
	if err != nil {
		return nil, fmt.Errorf("analyzer %s array %s at epoch %d: %w", req.Ref.Analyzer, req.Ref.Array, ep, err)
	}
	s.Epoch = intPtr(ep)
	return s, nil
}

// fixedFrame builds the request's picture at every epoch and returns the
// one of the request's epoch with the range shared by all (ShareRange).
func (b *Builder) fixedFrame(req Request, eps []int) (*Spec, error) {
	ep := req.Epoch
	if ep < 0 {
		ep = eps[len(eps)-1]
	}
	at := slices.Index(eps, ep)
	if at < 0 {
		if err := b.checkEpoch(ep); err != nil {
			return nil, err
		}
		return nil, noArtifact(req.Ref.Analyzer, ep, eps)
	}
	frames, err := b.Frames(Request{Ref: req.Ref, As: req.As, Index: req.Index, LogY: req.LogY})
	if err != nil {
		return nil, err
	}
	return frames[at], nil
}

// crossArray builds the spec of an array of the cross-epoch artifact; an
// axis as long as its epochs is drawn over them, the request's epoch
// marked.
func (b *Builder) crossArray(req Request, rd *results.Reader) (*Spec, error) {
	if err := b.checkEpoch(req.Epoch); err != nil {
		return nil, err
	}
	f, err := rd.OpenCross(req.Ref.Analyzer)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := f.Read(req.Ref.Array)
	if err != nil {
		return nil, err
	}
	in := arrayInput{analyzer: req.Ref.Analyzer, name: req.Ref.Array, t: t, decl: b.declared(req.Ref.Analyzer, req.Ref.Array, false)}
	if req.Ref.Array != "epochs" && slices.Contains(f.Names(), "epochs") {
		if et, err := f.Read("epochs"); err == nil && et.Rank() == 1 {
			in.epochs = et.AsFloat64()
		}
	}
	s, err := b.drawArray(req, in)
	if err != nil {
		return nil, fmt.Errorf("analyzer %s cross-epoch array %s: %w", req.Ref.Analyzer, req.Ref.Array, err)
	}
	return s, nil
}

// drawRank is how many trailing axes a style draws.
func drawRank(style string, rank int) int {
	switch style {
	case "text":
		return 0
	case "grid", "bars":
		return 1
	case "lines":
		return min(rank, 2)
	}
	return 2
}

// defaultStyle is the view an array of this shape gets when nothing is
// declared: a number for a scalar, an n × n grid for a vector of n² ≥ 64
// values (an (a, b) input grid, as the page draws it), a line over epochs
// or for a long vector, bars for a short one, a heatmap otherwise.
func defaultStyle(shape []int, axes []axisInfo) string {
	switch len(shape) {
	case 0:
		return "text"
	case 1:
		n := shape[0]
		k := isqrt(n)
		switch {
		case axes[0].name == "epoch":
			return "lines"
		case k*k == n && k >= 8:
			return "grid"
		case n > 128:
			return "lines"
		}
		return "bars"
	}
	return "heatmap"
}

// isqrt returns the integer square root of n ≥ 0.
func isqrt(n int) int {
	k := 0
	for (k+1)*(k+1) <= n {
		k++
	}
	return k
}

// pickStyle returns the view to draw: the request's, else the first the
// analyzer suggests that fits the array, else the shape's default. A
// requested style that does not fit is an ErrBadView error.
func pickStyle(req Request, in arrayInput, shape []int, axes []axisInfo) (string, error) {
	if req.As != "" {
		if !slices.Contains(registry.ViewKinds, req.As) {
			return "", fmt.Errorf("%w: as=%q: want one of %s", ErrBadView, req.As, strings.Join(registry.ViewKinds, ", "))
		}
		if why := fits(req.As, shape); why != "" {
			return "", fmt.Errorf("%w: %s cannot be drawn as %s: %s", ErrBadView, in.name, req.As, why)
		}
		return req.As, nil
	}
	if in.decl != nil {
		for _, h := range in.decl.Views {
			if fits(h.Kind, shape) == "" {
				return h.Kind, nil
			}
		}
	}
	return defaultStyle(shape, axes), nil
}

// fits says why an array of shape cannot be drawn in style, "" when it can.
func fits(style string, shape []int) string {
	r := len(shape)
	last := 0
	if r > 0 {
		last = shape[r-1]
	}
	switch style {
	case "text":
		if sdk.NumElements(shape) != 1 {
			return fmt.Sprintf("shape %v is not a single value", shape)
		}
	case "grid":
		if k := isqrt(last); r == 0 || k*k != last {
			return fmt.Sprintf("shape %v: the last axis is not a square number of entries", shape)
		}
	case "bars", "lines":
		if r == 0 {
			return "a scalar has no axis to draw over"
		}
	case "heatmap", "sorted_heatmap", "path", "scatter":
		if r < 2 {
			return fmt.Sprintf("shape %v has fewer than two axes", shape)
		}
		if (style == "path" || style == "scatter") && last < 2 {
			return fmt.Sprintf("shape %v: want at least two columns", shape)
		}
	case "scatter3d":
		if r < 2 || last < 3 {
			return fmt.Sprintf("shape %v: want (n, k) with at least three columns", shape)
		}
	}
	return ""
}

// drawArray draws an array: picks the style, fixes the leading axes (the
// request's index, 0 for those it leaves out, reported as selectors) and
// lays out the rest.
func (b *Builder) drawArray(req Request, in arrayInput) (*Spec, error) {
	shape := in.t.Shape()
	axes := axesOf(in.decl, shape, in.epochs)
	style, err := pickStyle(req, in, shape, axes)
	if err != nil {
		return nil, err
	}
	lead := len(shape) - drawRank(style, len(shape))
	index := req.Index
	if len(index) > lead {
		if req.As != "" || len(index) > len(shape) {
			return nil, fmt.Errorf("%w: index %s fixes %d axes of shape %v, but a %s draws its last %d (give at most %d)", results.ErrSelection, indexString(index), len(index), shape, style, len(shape)-lead, lead)
		}
		// An index that fixes more axes leaves a smaller array: draw it as
		// its shape suggests.
		lead = len(index)
		style = defaultStyle(shape[lead:], axes[lead:])
	}
	full := make([]int, lead)
	copy(full, index)
	for i := len(index); i < lead; i++ {
		full[i] = defaultIndex(axes[i], req.Epoch)
	}
	vals, rest, err := results.Slice{Index: full}.Apply(in.t, MaxCells)
	if err != nil {
		return nil, err
	}
	if sdk.NumElements(rest) == 0 {
		return nil, fmt.Errorf("%w: the selection of shape %v is empty, nothing to draw", results.ErrSelection, rest)
	}
	d := drawing{b: b, req: req, in: in, vals: vals, shape: rest, axes: axes[lead:]}
	s, err := d.draw(style)
	if err != nil {
		return nil, err
	}
	for i := range lead {
		s.Selectors = append(s.Selectors, Selector{Axis: axes[i].name, Size: shape[i], Value: full[i]})
	}
	s.As = style
	s.Subtitle = b.subtitle(req.Epoch, nil) + selectorText(s.Selectors, axes)
	return s, nil
}

// noArtifact is the error of an epoch within the run that the analyzer has
// no artifact for: a results.ErrNotFound error naming the epochs it has.
func noArtifact(analyzer string, epoch int, eps []int) error {
	return fmt.Errorf("analyzer %s has no artifact at epoch %d (it has %s): %w", analyzer, epoch, results.EpochList(eps), results.ErrNotFound)
}

// defaultIndex is the index a view takes on a leading axis the request
// leaves unfixed: on an epoch axis (a cross-epoch array), the request's
// epoch when it is one of the axis's, else the last; 0 on any other.
func defaultIndex(a axisInfo, epoch int) int {
	if a.name != "epoch" || len(a.coords) == 0 {
		return 0
	}
	for i, e := range a.coords {
		if int(e) == epoch {
			return i
		}
	}
	return len(a.coords) - 1
}

// selectorText says which entries of the leading axes a picture shows:
// " · neuron 7 · head 2" (an epoch axis by its epoch).
func selectorText(sel []Selector, axes []axisInfo) string {
	out := ""
	for i, s := range sel {
		if axes[i].name == "epoch" {
			continue // the subtitle names the epoch already
		}
		v := axes[i].coord(s.Value)
		out += fmt.Sprintf(" · %s %s", axes[i].title, FormatTick(v))
	}
	return out
}
