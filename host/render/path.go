package render

import (
	"fmt"
	"math"
	"slices"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// PathPlot lays out a path through the points (x[i], y[i]) in order, each
// segment coloured by its position in time (Colormap, early dark, late
// yellow), the points as small grey squares and point current (if in
// range) as a red square: a PCA trajectory, PC1 against PC2. It panics if
// x and y differ in length.
func PathPlot(title string, x, y []float64, current int, xLabel, yLabel string) *Scene {
	if len(x) != len(y) {
		panic(fmt.Sprintf("render: path of %d x and %d y values", len(x), len(y)))
	}
	s := frame(title)
	curves := make([]XYCurve, 0, len(x)+1)
	for i := 1; i < len(x); i++ {
		curves = append(curves, XYCurve{X: x[i-1 : i+1], Y: y[i-1 : i+1], Colour: Colormap(float64(i) / float64(len(x)-1)), Width: 2})
	}
	curves = append(curves, XYCurve{X: x, Y: y, Colour: grey, Marker: 3})
	if current >= 0 && current < len(x) {
		curves = append(curves, XYCurve{X: x[current : current+1], Y: y[current : current+1], Colour: red, Marker: 9})
	}
	plot(s, curves, xLabel, false, math.NaN())
	s.Text(4, float64(PlotArea.Min.Y)-14, yLabel, black)
	return s
}

// trajectory reads a cross-epoch array of shape (epochs, components) and
// the cross-epoch artifact's "epochs" array (nil when it has none).
func trajectory(view View, rd *results.Reader) (*sdk.Tensor, []int, error) {
	f, err := rd.OpenCross(view.Analyzer)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	t, err := f.Read(view.Array)
	if err != nil {
		return nil, nil, err
	}
	if t.Rank() != 2 || t.Shape()[0] == 0 || t.Shape()[1] == 0 {
		return nil, nil, fmt.Errorf("%w: analyzer %s array %s has shape %v: a path needs (epochs, components)", results.ErrSelection, view.Analyzer, view.Array, t.Shape())
	}
	et, err := f.Read("epochs")
	if err != nil {
		return t, nil, err
	}
	var eps []int
	for _, e := range et.AsFloat64() {
		eps = append(eps, int(e))
	}
	if len(eps) != t.Shape()[0] {
		return nil, nil, fmt.Errorf("%s: %d epochs but array %s has %d rows", f.Path(), len(eps), view.Array, t.Shape()[0])
	}
	return t, eps, nil
}

// path lays out a trajectory's first two components as a path, the
// request's epoch marked.
func path(title string, view View, rd *results.Reader, req Request) (*Scene, error) {
	t, eps, err := trajectory(view, rd)
	if t == nil {
		return nil, err
	}
	// Without an epochs array the path is drawn, but no epoch can be marked.
	n, k := t.Shape()[0], t.Shape()[1]
	vals := t.AsFloat64()
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		x[i] = vals[i*k]
		if k > 1 {
			y[i] = vals[i*k+1]
		}
	}
	cur := -1
	if req.Epoch >= 0 {
		if cur = slices.Index(eps, req.Epoch); cur < 0 {
			return nil, fmt.Errorf("%w: epoch %d is not among the trajectory's epochs %s", results.ErrSelection, req.Epoch, results.EpochList(eps))
		}
		title = fmt.Sprintf("%s  epoch %d", title, req.Epoch)
	}
	return PathPlot(title, x, y, cur, "PC1", "PC2"), nil
}
