package render

import (
	"fmt"
	"math"
	"slices"

	"github.com/tdw-workbench/tdw/host/results"
)

// summaryGroup lays out several scalar series of one summary.npz in one
// plot, as the dashboard groups the progress measures (losses together on
// a log scale, the accuracies, the Gini coefficients).
func summaryGroup(title string, view View, names []string, rd *results.Reader, req Request) (*Scene, error) {
	var xs []float64
	curves := make([]Curve, 0, len(names))
	if len(names) > MaxCurves {
		return nil, fmt.Errorf("%w: view %s names %d series, at most %d are drawn together", results.ErrSelection, view, len(names), MaxCurves)
	}
	for k, n := range names {
		if slices.Contains(names[:k], n) {
			return nil, fmt.Errorf("%w: view %s names series %s twice", results.ErrSelection, view, n)
		}
		ep, ys, err := rd.Series(view.Analyzer, n, req.Index)
		if err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", view.Analyzer, err)
		}
		xs = ep
		curves = append(curves, Curve{Name: n, Y: ys, Colour: palette10[k%len(palette10)]})
	}
	mark := math.NaN()
	if req.Epoch >= 0 {
		mark, title = float64(req.Epoch), fmt.Sprintf("%s  epoch %d", title, req.Epoch)
	}
	return Series(title, xs, curves, SeriesOptions{XLabel: "epoch", LogY: req.LogY, Mark: mark}), nil
}
