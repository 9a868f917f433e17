package render

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/tdw-workbench/tdw/host/analysis"
)

// summaryGroup lays out several scalar series of one summary.npz in one
// plot, as the dashboard groups the progress measures (losses together on
// a log scale, the accuracies, the Gini coefficients).
func (r *Renderer) summaryGroup(title, dir string, view View, names []string, req Request) (*Scene, error) {
	file := filepath.Join(dir, analysis.SummaryFile)
	var xs []float64
	curves := make([]Curve, 0, len(names))
	if len(names) > MaxCurves {
		return nil, fmt.Errorf("%w: view %s names %d series, at most %d are drawn together", ErrSelection, view, len(names), MaxCurves)
	}
	for k, n := range names {
		if slices.Contains(names[:k], n) {
			return nil, fmt.Errorf("%w: view %s names series %s twice", ErrSelection, view, n)
		}
		ep, ys, err := ReadSeries(file, n, req.Index)
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
