package render

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// ViewKind says what a view draws.
type ViewKind int

// The kinds of view.
const (
	// Loss is the training curves: train and test loss over epochs, log y,
	// with checkpoint markers.
	Loss ViewKind = iota
	// EpochArray is one array of an analyzer's per-epoch artifact.
	EpochArray
	// Summary is one series of an analyzer's summary.npz over epochs.
	Summary
	// CrossArray is one array of an analyzer's cross-epoch artifact.
	CrossArray
	// Accuracy is the training curves' accuracies: test accuracy over
	// epochs and train accuracy at checkpoints.
	Accuracy
	// Path is a cross-epoch array's first two columns drawn as a path (PC1
	// against PC2 of a PCA trajectory), coloured by time.
	Path
)

// View is a parsed view name: "loss", "accuracy", "ANALYZER/ARRAY" (a
// per-epoch array, or the cross-epoch array of an analyzer that has no
// per-epoch artifacts), "ANALYZER/summary/NAME" (or NAME,NAME,... for
// several scalar series in one plot), "ANALYZER/cross/ARRAY" or
// "ANALYZER/path/ARRAY".
type View struct {
	Kind     ViewKind
	Analyzer string
	Array    string
}

// ErrBadView is wrapped by the errors ParseView returns.
//
// The other errors of this package wrap those of host/results:
// results.ErrNotFound when an analyzer, array or epoch a view names is not
// among the variant's artifacts, results.ErrSelection when a request's epoch
// or index does not fit the view (too many or too few indices, an index out
// of range, a GIF of a view that does not change with the epoch).
var ErrBadView = errors.New("bad view name")

// ParseView parses a view name. Every component must be a safe path
// component (registry.SafePathComponent).
func ParseView(s string) (View, error) {
	switch s {
	case "loss":
		return View{Kind: Loss}, nil
	case "accuracy":
		return View{Kind: Accuracy}, nil
	}
	parts := strings.Split(s, "/")
	check := parts
	if len(parts) == 3 && parts[1] == "summary" {
		// A summary group: each of its series names is a component.
		check = append(parts[:2:2], strings.Split(parts[2], ",")...)
	}
	for _, p := range check {
		if err := registry.SafePathComponent(p); err != nil {
			return View{}, fmt.Errorf("%w %q: %v", ErrBadView, s, err)
		}
	}
	switch {
	case len(parts) == 2:
		return View{Kind: EpochArray, Analyzer: parts[0], Array: parts[1]}, nil
	case len(parts) == 3 && parts[1] == "summary":
		return View{Kind: Summary, Analyzer: parts[0], Array: parts[2]}, nil
	case len(parts) == 3 && parts[1] == "cross":
		return View{Kind: CrossArray, Analyzer: parts[0], Array: parts[2]}, nil
	case len(parts) == 3 && parts[1] == "path":
		return View{Kind: Path, Analyzer: parts[0], Array: parts[2]}, nil
	}
	return View{}, fmt.Errorf("%w %q: want loss, accuracy, ANALYZER/ARRAY, ANALYZER/summary/NAME[,NAME...], ANALYZER/cross/ARRAY or ANALYZER/path/ARRAY", ErrBadView, s)
}

// Names returns the series names of a summary view (several for a group);
// for other views, the array name alone.
func (v View) Names() []string { return strings.Split(v.Array, ",") }

// String returns the view's name as ParseView reads it.
func (v View) String() string {
	switch v.Kind {
	case Loss:
		return "loss"
	case Accuracy:
		return "accuracy"
	case Path:
		return v.Analyzer + "/path/" + v.Array
	case Summary:
		return v.Analyzer + "/summary/" + v.Array
	case CrossArray:
		return v.Analyzer + "/cross/" + v.Array
	}
	return v.Analyzer + "/" + v.Array
}

// Request is what to draw of one variant.
type Request struct {
	View View
	// Epoch selects the epoch of a per-epoch view, or the epoch marked on a
	// loss or summary view; -1 means the last analyzed epoch for a
	// per-epoch array and no mark otherwise.
	Epoch int
	// Index fixes leading axes of an array of more than two dimensions (or
	// the per-epoch axes of a summary series).
	Index []int
	// LogY draws a summary view's y axis in log scale (values ≤ 0 left
	// out), as the dashboard draws losses.
	LogY bool
}

// Renderer draws the views of one variant. Create it with NewRenderer.
type Renderer struct {
	v   *variant.Variant
	art *results.Artifacts // the analysis folder analyzer views read
	rd  *results.Reader    // nil until an analyzer view needs it
}

// NewRenderer returns a renderer over the variant's metadata and artifacts.
func NewRenderer(v *variant.Variant) *Renderer { return &Renderer{v: v, art: results.For(v)} }

// ForArtifacts makes the renderer's analyzer views read art, the analysis
// folder of another probe (results.ForProbe), and returns it.
func (r *Renderer) ForArtifacts(art *results.Artifacts) *Renderer {
	r.art, r.rd = art, nil
	return r
}

// reader reads the variant's analysis manifest once and returns a reader
// of the artifacts it records.
func (r *Renderer) reader() (*results.Reader, error) {
	if r.rd != nil {
		return r.rd, nil
	}
	rd, err := r.art.Reader()
	if err != nil {
		return nil, err
	}
	r.rd = rd
	return rd, nil
}

// Epochs returns the epochs a GIF of the view has frames for: the
// analyzer's completed epochs for an analyzer view, the checkpoint epochs
// for the loss view. A cross-epoch array has none and gives an error.
func (r *Renderer) Epochs(view View) ([]int, error) {
	if view.Kind == Loss || view.Kind == Accuracy {
		md, err := r.v.Metadata()
		if err != nil {
			return nil, err
		}
		return md.CheckpointEpochs, nil
	}
	view, rec, rd, err := r.resolve(view)
	if err != nil {
		return nil, err
	}
	if view.Kind == CrossArray {
		return nil, fmt.Errorf("%w: view %s is a cross-epoch array and does not change with the epoch: export it as png or svg", results.ErrSelection, view)
	}
	if view.Kind == Path {
		// One frame per epoch of the trajectory, each marking its epoch.
		_, eps, err := trajectory(view, rd)
		return eps, err
	}
	eps := rec.CompletedEpochs()
	if len(eps) == 0 {
		return nil, fmt.Errorf("analyzer %s has no completed epoch: %w", view.Analyzer, results.ErrNotFound)
	}
	return eps, nil
}

// resolve turns ANALYZER/ARRAY of an analyzer with only a cross-epoch
// artifact into a CrossArray view, and returns the analyzer's record and a
// reader of the variant's artifacts.
func (r *Renderer) resolve(view View) (View, *results.AnalyzerRecord, *results.Reader, error) {
	rd, err := r.reader()
	if err != nil {
		return view, nil, nil, err
	}
	rec, err := rd.Record(view.Analyzer)
	if err != nil {
		return view, nil, nil, err
	}
	if view.Kind == EpochArray && len(rec.Epochs) == 0 && rec.Cross != nil {
		view.Kind = CrossArray
	}
	return view, rec, rd, nil
}

// Render lays out one picture of the request.
func (r *Renderer) Render(req Request) (*Scene, error) {
	switch req.View.Kind {
	case Loss:
		return r.loss(req)
	case Accuracy:
		return r.accuracy(req)
	}
	view, rec, rd, err := r.resolve(req.View)
	if err != nil {
		return nil, err
	}
	title := r.v.Name + "\n" + view.String()
	switch view.Kind {
	case EpochArray:
		ep := req.Epoch
		if ep < 0 {
			eps := rec.CompletedEpochs()
			if len(eps) == 0 {
				return nil, fmt.Errorf("analyzer %s has no completed epoch: %w", view.Analyzer, results.ErrNotFound)
			}
			ep = eps[len(eps)-1]
		}
		t, err := rd.EpochEntry(view.Analyzer, ep, view.Array)
		if err != nil {
			return nil, err
		}
		sc, err := arrayScene(fmt.Sprintf("%s  epoch %d", title, ep), t, req.Index)
		if err != nil {
			return nil, fmt.Errorf("analyzer %s array %s at epoch %d: %w", view.Analyzer, view.Array, ep, err)
		}
		return sc, nil
	case CrossArray:
		t, err := rd.CrossEntry(view.Analyzer, view.Array)
		if err != nil {
			return nil, err
		}
		sc, err := arrayScene(title, t, req.Index)
		if err != nil {
			return nil, fmt.Errorf("analyzer %s cross-epoch array %s: %w", view.Analyzer, view.Array, err)
		}
		return sc, nil
	case Path:
		return path(title, view, rd, req)
	}
	if names := view.Names(); len(names) > 1 {
		return summaryGroup(title, view, names, rd, req)
	}
	return summary(title, view, rd, req)
}

// Frames lays out one picture per epoch of the view (see Epochs), for a GIF.
func (r *Renderer) Frames(req Request) ([]*Scene, error) {
	eps, err := r.Epochs(req.View)
	if err != nil {
		return nil, err
	}
	out := make([]*Scene, 0, len(eps))
	for _, e := range eps {
		req.Epoch = e
		s, err := r.Render(req)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// loss lays out the training curves.
func (r *Renderer) loss(req Request) (*Scene, error) {
	md, err := r.v.Metadata()
	if err != nil {
		return nil, err
	}
	n := len(md.TrainLosses)
	if n == 0 || len(md.TestLosses) != n {
		return nil, fmt.Errorf("variant %s: metadata.json has %d train and %d test losses, nothing to draw: %w", r.v.Name, n, len(md.TestLosses), results.ErrNotFound)
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	marks := make([]float64, 0, len(md.CheckpointEpochs))
	for _, e := range md.CheckpointEpochs {
		if e < n {
			marks = append(marks, float64(e))
		}
	}
	mark, title := math.NaN(), r.v.Name+"\nloss"
	if req.Epoch >= 0 {
		mark, title = float64(req.Epoch), fmt.Sprintf("%s  epoch %d", title, req.Epoch)
	}
	return Series(title, xs, []Curve{
		{Name: "train", Y: md.TrainLosses, Colour: blue, Markers: marks},
		{Name: "test", Y: md.TestLosses, Colour: green, Markers: marks},
	}, SeriesOptions{XLabel: "epoch", LogY: true, Mark: mark}), nil
}

// summary lays out one summary series over epochs.
func summary(title string, view View, rd *results.Reader, req Request) (*Scene, error) {
	f, err := rd.OpenSummary(view.Analyzer)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ep, err := f.Read("epochs")
	if err != nil {
		return nil, err
	}
	t, err := f.Read(view.Array)
	if err != nil {
		return nil, err
	}
	xs := ep.AsFloat64()
	if t.Rank() == 0 || t.Shape()[0] != len(xs) {
		return nil, fmt.Errorf("%s: series %s has shape %v but there are %d epochs", f.Path(), view.Array, t.Shape(), len(xs))
	}
	per := t.Shape()[1:]
	if len(req.Index) > len(per) {
		return nil, fmt.Errorf("%w: analyzer %s summary series %s has %d per-epoch axes (shape %v) but the index has %d entries", results.ErrSelection, view.Analyzer, view.Array, len(per), per, len(req.Index))
	}
	// Fix the indexed per-epoch axes, then draw each remaining component.
	rest := 1
	for _, d := range per[len(req.Index):] {
		rest *= d
	}
	if rest > MaxCurves {
		return nil, fmt.Errorf("%w: analyzer %s summary series %s has %d values per epoch (shape %v): fix leading axes with an index to draw at most %d", results.ErrSelection, view.Analyzer, view.Array, rest, per, MaxCurves)
	}
	off, err := results.Offset(per, req.Index)
	if err != nil {
		return nil, fmt.Errorf("analyzer %s summary series %s: %w", view.Analyzer, view.Array, err)
	}
	stride := t.Len() / max(1, len(xs))
	vals := t.AsFloat64()
	curves := make([]Curve, rest)
	for k := range curves {
		ys := make([]float64, len(xs))
		for i := range xs {
			ys[i] = vals[i*stride+off*rest+k]
		}
		name := view.Array
		if rest > 1 {
			name = strconv.Itoa(k)
		}
		curves[k] = Curve{Name: name, Y: ys, Colour: palette10[k%len(palette10)]}
	}
	mark := math.NaN()
	if req.Epoch >= 0 {
		mark, title = float64(req.Epoch), fmt.Sprintf("%s  epoch %d", title, req.Epoch)
	}
	return Series(title, xs, curves, SeriesOptions{XLabel: "epoch", LogY: req.LogY, Mark: mark}), nil
}

// MaxCurves is the most components of a summary series drawn at once.
const MaxCurves = 10

var palette10 = [...]color.RGBA{blue, {255, 127, 14, 255}, green, red, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255}}

// arrayScene draws an array: a heatmap for two dimensions, bars for one,
// after index fixes leading axes.
func arrayScene(title string, t *sdk.Tensor, index []int) (*Scene, error) {
	shape := t.Shape()
	if len(index) > len(shape) {
		return nil, fmt.Errorf("%w: array of shape %v: index has %d entries but the array has %d axes", results.ErrSelection, shape, len(index), len(shape))
	}
	rest := shape[len(index):]
	if len(rest) > 2 {
		return nil, fmt.Errorf("%w: array of shape %v has %d axes: give an index fixing its first %d", results.ErrSelection, shape, len(shape), len(shape)-2)
	}
	off, err := results.Offset(shape, index)
	if err != nil {
		return nil, fmt.Errorf("array of shape %v: %w", shape, err)
	}
	n := 1
	for _, d := range rest {
		n *= d
	}
	if n == 0 {
		return nil, fmt.Errorf("array of shape %v is empty, nothing to draw", shape)
	}
	vals := t.AsFloat64()[off*n : (off+1)*n]
	if len(index) > 0 {
		title = fmt.Sprintf("%s  index %s", title, strings.Trim(strings.ReplaceAll(fmt.Sprint(index), " ", ","), "[]"))
	}
	switch len(rest) {
	case 0:
		return Bars(title, vals, "value"), nil
	case 1:
		return Bars(title, vals, "index"), nil
	}
	return Heatmap(title, vals, rest[0], rest[1], "rows", "columns"), nil
}
