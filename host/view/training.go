package view

import (
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
)

// epochAxis returns the x axis of a picture over the whole run, 0 to its
// last epoch: loss and accuracy share it, so their x extents agree.
func epochAxis(md *variant.Metadata) Axis {
	last := float64(lastEpoch(md.EpochsCompleted, md.CheckpointEpochs))
	return Axis{Title: "epoch", Range: &[2]float64{0, last}, Ticks: IntTicks(0, last, TickTarget)}
}

// perEpochThenFinal returns the per-epoch record vals (epochs 0..n-1) and,
// after them, the value pick gives of each checkpoint at or after epoch n:
// the model after the last step is evaluated only in the final
// checkpoint's record, so a curve ends at the run's last epoch.
func perEpochThenFinal(md *variant.Metadata, vals []float64, pick func(variant.CheckpointRecord) float64) (xs, ys []float64) {
	for e, v := range vals {
		xs, ys = append(xs, float64(e)), append(ys, v)
	}
	for _, c := range md.Checkpoints {
		if c.Epoch >= len(vals) {
			xs, ys = append(xs, float64(c.Epoch)), append(ys, pick(c))
		}
	}
	return xs, ys
}

// loss builds the training curves: train and test loss over the run, log
// y, checkpoints, grokking, windows and the request's epoch marked.
func (b *Builder) loss(req Request) (*Spec, error) {
	md, err := b.metadata()
	if err != nil {
		return nil, err
	}
	if err := b.checkEpoch(req.Epoch); err != nil {
		return nil, err
	}
	n := len(md.TrainLosses)
	if n == 0 || len(md.TestLosses) != n {
		return nil, fmt.Errorf("variant %s: metadata.json has %d train and %d test losses, nothing to draw: %w", b.v.Name, n, len(md.TestLosses), results.ErrNotFound)
	}
	tx, ty := perEpochThenFinal(md, md.TrainLosses, func(c variant.CheckpointRecord) float64 { return c.TrainLoss })
	vx, vy := perEpochThenFinal(md, md.TestLosses, func(c variant.CheckpointRecord) float64 { return c.TestLoss })
	lo, hi := positiveRange(append(append([]float64(nil), ty...), vy...))
	s := &Spec{
		Title: "Loss", Subtitle: b.subtitle(req.Epoch, nil), Kind: Lines, Epoch: intPtr(req.Epoch),
		X: epochAxis(md),
		Y: Axis{Title: "cross-entropy loss (log scale)", Log: true, Ticks: LogTicks(lo, hi)},
		Series: []Series{
			{Name: "train loss", X: tx, Y: ty, Color: TrainColor},
			{Name: "test loss", X: vx, Y: vy, Color: TestColor},
		},
		Markers: b.epochMarkers(req.Epoch, true),
	}
	return s, nil
}

// accuracy builds the accuracies: test accuracy over the run and train
// accuracy at the checkpoints (only they record it), y from 0 to 1.
func (b *Builder) accuracy(req Request) (*Spec, error) {
	md, err := b.metadata()
	if err != nil {
		return nil, err
	}
	if err := b.checkEpoch(req.Epoch); err != nil {
		return nil, err
	}
	tx, ty := perEpochThenFinal(md, md.TestAccuracies, func(c variant.CheckpointRecord) float64 { return c.TestAccuracy })
	if len(md.TestAccuracies) == 0 {
		tx, ty = nil, nil // an imported run: only checkpoints record accuracy
		for _, c := range md.Checkpoints {
			tx, ty = append(tx, float64(c.Epoch)), append(ty, c.TestAccuracy)
		}
	}
	var rx, ry []float64
	for _, c := range md.Checkpoints {
		rx, ry = append(rx, float64(c.Epoch)), append(ry, c.TrainAccuracy)
	}
	if len(tx) == 0 && len(rx) == 0 {
		return nil, fmt.Errorf("variant %s: metadata.json records no accuracy, nothing to draw: %w", b.v.Name, results.ErrNotFound)
	}
	s := &Spec{
		Title: "Accuracy", Subtitle: b.subtitle(req.Epoch, nil), Kind: Lines, Epoch: intPtr(req.Epoch),
		X: epochAxis(md),
		Y: Axis{Title: "accuracy", Range: &[2]float64{0, 1}, Ticks: Ticks(0, 1, 5)},
		Series: []Series{
			{Name: "test accuracy", X: tx, Y: ty, Color: TestColor},
			{Name: "train accuracy (checkpoints)", X: rx, Y: ry, Color: TrainColor, Mode: "markers"},
		},
		Markers: b.epochMarkers(req.Epoch, true),
	}
	return s, nil
}

// positiveRange returns the least and greatest positive finite values (1
// and 10 when there are none): the extent of a log axis.
func positiveRange(vals []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return 1, 10
	}
	return lo, hi
}
