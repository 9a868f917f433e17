package render

import (
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/host/results"
)

// accuracy lays out the training accuracies: test accuracy at every epoch
// (metadata.json's per-epoch record) and train accuracy at each checkpoint
// (only checkpoints record it), as the dashboard's accuracy panel.
func (r *Renderer) accuracy(req Request) (*Scene, error) {
	md, err := r.v.Metadata()
	if err != nil {
		return nil, err
	}
	test := XYCurve{Colour: green, Width: 2}
	for e, a := range md.TestAccuracies {
		test.X, test.Y = append(test.X, float64(e)), append(test.Y, a)
	}
	train := XYCurve{Colour: blue, Marker: 5}
	for _, c := range md.Checkpoints {
		train.X, train.Y = append(train.X, float64(c.Epoch)), append(train.Y, c.TrainAccuracy)
	}
	if len(test.X) == 0 && len(train.X) == 0 {
		return nil, fmt.Errorf("variant %s: metadata.json records no accuracy, nothing to draw: %w", r.v.Name, results.ErrNotFound)
	}
	mark, title := math.NaN(), r.v.Name+"\naccuracy"
	if req.Epoch >= 0 {
		mark, title = float64(req.Epoch), fmt.Sprintf("%s  epoch %d", title, req.Epoch)
	}
	return Overlay(title, []XYCurve{test, train}, OverlayOptions{XLabel: "epoch", Mark: mark, Legend: []LegendEntry{
		{Colour: green, Text: "test accuracy (every epoch)"}, {Colour: blue, Text: "train accuracy (checkpoints)"}}}), nil
}
