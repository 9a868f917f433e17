package outcome

import "fmt"

// snap returns the checkpoint epoch nearest to e (the earlier on ties):
// windows start and end where artifacts exist. Without checkpoints, e.
func snap(checkpoints []int, e int) int {
	if len(checkpoints) == 0 {
		return e
	}
	best := checkpoints[0]
	for _, c := range checkpoints[1:] {
		if abs(c-e) < abs(best-e) {
			best = c
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// bounds sets a window's bounds, or skips it with the reason why one of
// them is unknown.
func (w *Window) bounds(start, end *int, why string) {
	if start == nil || end == nil {
		w.Skipped, w.SkipReason = true, why
		return
	}
	w.StartEpoch, w.EndEpoch = iptr(*start), iptr(*end)
	if *start >= *end {
		w.Skipped, w.SkipReason = true, fmt.Sprintf("start_epoch %d >= end_epoch %d", *start, *end)
	}
}

// windowBounds places the five windows:
//   - first descent: from the first checkpoint to the first epoch whose
//     train loss is at most train_loss_threshold;
//   - second descent: from its onset to the first epoch whose test loss is
//     at most test_loss_threshold (the test-loss minimum when never);
//   - plateau: between the two;
//   - cascade: see cascadeBounds;
//   - final: from the end of the second descent to the last checkpoint.
//
// Every bound is moved to the nearest checkpoint.
func windowBounds(in *Inputs, sum *Summary, s Settings) {
	sn := func(e *int) *int {
		if e == nil {
			return nil
		}
		return iptr(snap(in.Checkpoints, *e))
	}
	l := sum.Loss
	first := 0
	if len(in.Checkpoints) > 0 {
		first = in.Checkpoints[0]
	}
	lastCk := len(in.TrainLoss) - 1
	if n := len(in.Checkpoints); n > 0 {
		lastCk = in.Checkpoints[n-1]
	}
	w := &sum.Windows
	w.FirstDescent.bounds(iptr(first), sn(l.TrainLossThresholdFirstEpoch),
		fmt.Sprintf("train loss never reached train_loss_threshold %g", s.TrainLossThreshold))
	var sdEnd *int
	if l.SecondDescentOnsetEpoch != nil {
		sdEnd = iptr(l.TestLossMinEpoch)
		if t := l.TestLossThresholdFirstEpoch; t != nil && *t >= *l.SecondDescentOnsetEpoch {
			sdEnd = t
		}
	}
	w.SecondDescent.bounds(sn(l.SecondDescentOnsetEpoch), sn(sdEnd),
		fmt.Sprintf("no second descent: test loss never fell second_descent_fraction %g below its peak %.4g (epoch %d)", s.SecondDescentFraction, l.TestLossPeak, l.TestLossPeakEpoch))
	plateauWhy := "the first descent has no end"
	if w.FirstDescent.EndEpoch != nil {
		plateauWhy = "there is no second descent"
	}
	w.Plateau.bounds(w.FirstDescent.EndEpoch, w.SecondDescent.StartEpoch, plateauWhy)
	cStart, cEnd, cascadeWhy := cascadeBounds(sum, s)
	w.Cascade.bounds(sn(cStart), sn(cEnd), cascadeWhy)
	w.Final.bounds(w.SecondDescent.EndEpoch, iptr(lastCk), "there is no second descent")
}

// windowMetrics fills a placed window's metrics at both ends.
func windowMetrics(w *Window, in *Inputs, missing map[string]string, s Settings) {
	if w.Skipped {
		return
	}
	a, b := *w.StartEpoch, *w.EndEpoch
	w.Unavailable = map[string]string{}
	loss := func(xs []float64, e int) *float64 {
		if e < 0 || e >= len(xs) {
			return nil
		}
		return finiteOrNil(xs[e])
	}
	w.TrainLossStart, w.TrainLossEnd = loss(in.TrainLoss, a), loss(in.TrainLoss, b)
	w.TestLossStart, w.TestLossEnd = loss(in.TestLoss, a), loss(in.TestLoss, b)
	windowFrequencies(w, in, missing, s, a, b)
	if d := in.Dimensionality; d == nil {
		w.Unavailable["effective_dimensionality"] = missing[SectionDimensionality]
	} else if i, j, why := pair(d.Epochs, a, b, "effective_dimensionality"); why != "" {
		w.Unavailable["effective_dimensionality"] = why
	} else {
		w.WInPRStart, w.WInPREnd = finiteOrNil(d.WIn[i]), finiteOrNil(d.WIn[j])
		w.WOutPRStart, w.WOutPREnd = finiteOrNil(d.WOut[i]), finiteOrNil(d.WOut[j])
	}
	if g := in.Geometry; g == nil {
		w.Unavailable["geometry"] = missing[SectionGeometry]
	} else if i, j, why := pair(g.Epochs, a, b, "repr_geometry"); why != "" {
		w.Unavailable["geometry"] = why
	} else {
		w.CircularityStart, w.CircularityEnd = finiteOrNil(g.Circularity[i]), finiteOrNil(g.Circularity[j])
		w.FisherMeanStart, w.FisherMeanEnd = finiteOrNil(g.FisherMean[i]), finiteOrNil(g.FisherMean[j])
	}
	if len(w.Unavailable) == 0 {
		w.Unavailable = nil
	}
}

// windowFrequencies fills the learned and committed frequencies at both
// ends of a window and the committed ones gained and lost.
func windowFrequencies(w *Window, in *Inputs, missing map[string]string, s Settings, a, b int) {
	n := in.Neurons
	if n == nil {
		w.Unavailable["frequencies"] = missing[SectionNeurons]
		return
	}
	i, j, why := pair(n.Epochs, a, b, "neuron_dynamics")
	if why != "" {
		w.Unavailable["frequencies"] = why
		return
	}
	ci, cj := n.specialization(i, s), n.specialization(j, s)
	w.LearnedFrequenciesStart, w.LearnedFrequenciesEnd = ci.learned(), cj.learned()
	w.CommittedFrequenciesStart, w.CommittedFrequenciesEnd = ci.committed(n.Neurons, s), cj.committed(n.Neurons, s)
	w.FrequencyGains, w.FrequencyLosses = frequencyDiff(w.CommittedFrequenciesStart, w.CommittedFrequenciesEnd)
}

// pair returns the indices of epochs a and b in an artifact's epochs, or
// why one is missing: a window's metric is read at its exact bounds or not
// at all.
func pair(epochs []int, a, b int, analyzer string) (i, j int, why string) {
	i, j = at(epochs, a), at(epochs, b)
	switch {
	case i < 0:
		return 0, 0, fmt.Sprintf("%s has no epoch %d", analyzer, a)
	case j < 0:
		return 0, 0, fmt.Sprintf("%s has no epoch %d", analyzer, b)
	}
	return i, j, ""
}

// cascadeBounds returns the cascade's bounds: from the epoch a frequency
// first has first_mover_neurons specialized neurons to the
// earlier of the effective-dimensionality crossover (when it comes after
// that start) and the epoch from which the committed frequencies are the
// final ones (whichever of the two exists); or why it has none.
func cascadeBounds(sum *Summary, s Settings) (start, end *int, why string) {
	n, d := sum.Neurons, sum.EffectiveDimensionality
	switch {
	case n == nil:
		return nil, nil, "neuron landmarks are not available: " + sum.Unavailable[SectionNeurons]
	case n.FirstMoverCountEpoch == nil:
		return nil, nil, fmt.Sprintf("no frequency reached first_mover_neurons %d specialized neurons", s.FirstMoverNeurons)
	}
	end = n.CommittedSetEpoch
	// A crossover before the cascade starts is the noise of initialization
	// (PR(W_out) barely above PR(W_in)), not the end of a cascade.
	if d != nil && d.CrossoverEpoch != nil && *d.CrossoverEpoch > *n.FirstMoverCountEpoch && (end == nil || *d.CrossoverEpoch < *end) {
		end = d.CrossoverEpoch
	}
	if end == nil {
		return nil, nil, "no frequency is committed at the end and PR(W_out) never fell back to PR(W_in) after the cascade started"
	}
	return n.FirstMoverCountEpoch, end, ""
}
