package view

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/results"
)

// Colours of the markers and of the training curves. Red marks the
// current epoch and nothing else.
const (
	EpochColor      = "#d62728"
	CheckpointColor = "#b0b0b0"
	GrokkingColor   = "#2ca02c"
	TrainColor      = "#1f77b4"
	TestColor       = "#ff7f0e"
)

// windowColors shade the windows of a grokking run, in outcome.WindowNames
// order.
var windowColors = []string{"#9ecae1", "#fdd0a2", "#c7e9c0", "#dadaeb", "#fcbba1"}

// Palette colours the series of a picture with several, in order; red is
// left out (it marks the current epoch).
var Palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000080", "#008080", "#5a5a5a"}

// checkEpoch refuses an epoch beyond the run: a results.ErrSelection
// error naming the last epoch. -1 (none) passes.
func (b *Builder) checkEpoch(epoch int) error {
	if epoch < 0 {
		return nil
	}
	md, err := b.metadata()
	if err != nil {
		return err
	}
	last := lastEpoch(md.EpochsCompleted, md.CheckpointEpochs)
	if epoch > last {
		return fmt.Errorf("%w: epoch %d is beyond the run of variant %s (its last epoch is %d)", results.ErrSelection, epoch, b.v.Name, last)
	}
	return nil
}

// lastEpoch is the last epoch a run has weights for: its last checkpoint
// or its last per-epoch record, whichever is later.
func lastEpoch(completed int, checkpoints []int) int {
	last := completed
	if n := len(checkpoints); n > 0 && checkpoints[n-1] > last {
		last = checkpoints[n-1]
	}
	return last
}

// epochMarkers returns the markers of a picture over epochs: the windows
// of the outcome summary (when there is one), the grokking epoch, the
// checkpoints (with ckpts) and the current epoch (≥ 0).
func (b *Builder) epochMarkers(epoch int, ckpts bool) []Marker {
	var out []Marker
	if s := b.outcome(); s != nil {
		for i, w := range s.Windows.All() {
			if w.Skipped || w.StartEpoch == nil || w.EndEpoch == nil || *w.EndEpoch <= *w.StartEpoch {
				continue
			}
			out = append(out, Marker{Kind: "window", X: float64(*w.StartEpoch), X2: float64(*w.EndEpoch),
				Label: strings.ReplaceAll(outcome.WindowNames[i], "_", " "), Color: windowColors[i%len(windowColors)]})
		}
	}
	if md, err := b.metadata(); err == nil {
		if ckpts {
			for _, e := range md.CheckpointEpochs {
				out = append(out, Marker{Kind: "checkpoint", X: float64(e), Color: CheckpointColor})
			}
		}
		if g := md.GrokkingEpoch(); g >= 0 {
			out = append(out, Marker{Kind: "line", X: float64(g), Label: fmt.Sprintf("grokking (epoch %d)", g), Color: GrokkingColor})
		}
	}
	if epoch >= 0 {
		out = append(out, Marker{Kind: "epoch", X: float64(epoch), Label: fmt.Sprintf("epoch %d", epoch), Color: EpochColor})
	}
	return out
}

// subtitle says what a picture is of: the variant, and the epoch and
// index when given.
func (b *Builder) subtitle(epoch int, index []int) string {
	s := b.v.Name
	if epoch >= 0 {
		s += fmt.Sprintf(" · epoch %d", epoch)
	}
	if len(index) > 0 {
		s += " · index " + indexString(index)
	}
	return s
}

// indexString writes an index as the API takes it: "3,1".
func indexString(index []int) string {
	return strings.Trim(strings.ReplaceAll(fmt.Sprint(index), " ", ","), "[]")
}

// intPtr returns a pointer to a copy of n, nil when n < 0.
func intPtr(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}
