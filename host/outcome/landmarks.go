package outcome

import (
	"fmt"
	"math"
)

func iptr(x int) *int { return &x }

// finiteOrNil returns a pointer to x, or nil when x is NaN or infinite
// (JSON has no number for them).
func finiteOrNil(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// extremes returns the first index of the smallest and of the largest
// finite value of xs (-1, -1 when there is none).
func extremes(xs []float64) (lo, hi int) {
	lo, hi = -1, -1
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		if lo < 0 || x < xs[lo] {
			lo = i
		}
		if hi < 0 || x > xs[hi] {
			hi = i
		}
	}
	return lo, hi
}

// firstAtMost returns the first epoch whose value is at most limit, or nil.
func firstAtMost(xs []float64, limit float64) *int {
	for i, x := range xs {
		if x <= limit {
			return iptr(i)
		}
	}
	return nil
}

// lossLandmarks reads the loss landmarks from the training record.
func lossLandmarks(in *Inputs, s Settings) (LossLandmarks, error) {
	train, test := in.TrainLoss, in.TestLoss
	if len(train) == 0 || len(train) != len(test) {
		return LossLandmarks{}, fmt.Errorf("variant %s: metadata.json has %d train and %d test losses: nothing to summarize (is it trained?)", in.Variant, len(train), len(test))
	}
	trMin, _ := extremes(train)
	teMin, tePeak := extremes(test)
	if trMin < 0 || teMin < 0 {
		return LossLandmarks{}, fmt.Errorf("variant %s: metadata.json has no finite loss", in.Variant)
	}
	last := len(train) - 1
	l := LossLandmarks{
		TrainLossMin: train[trMin], TrainLossMinEpoch: trMin, TrainLossFinal: finiteOrNil(train[last]),
		TrainLossThresholdFirstEpoch: firstAtMost(train, s.TrainLossThreshold),
		TestLossMin:                  test[teMin], TestLossMinEpoch: teMin,
		TestLossPeak: test[tePeak], TestLossPeakEpoch: tePeak, TestLossFinal: finiteOrNil(test[last]),
		TestLossThresholdFirstEpoch: firstAtMost(test, s.TestLossThreshold),
	}
	secondDescent(&l, test, s)
	grokking(&l, in, s)
	return l, nil
}

// secondDescent finds the onset of the second descent, the first epoch
// from the test-loss peak on at least second_descent_fraction below the
// peak, and whether the loss stays at or below that level to the end.
func secondDescent(l *LossLandmarks, test []float64, s Settings) {
	peak := l.TestLossPeak
	if peak <= 0 {
		return
	}
	level := (1 - s.SecondDescentFraction) * peak
	for e := l.TestLossPeakEpoch; e < len(test); e++ {
		if test[e] <= level {
			l.SecondDescentOnsetEpoch = iptr(e)
			break
		}
	}
	if l.SecondDescentOnsetEpoch == nil {
		return
	}
	survived := true
	for _, x := range test[*l.SecondDescentOnsetEpoch:] {
		if !(x <= level) { // NaN counts as not surviving
			survived = false
			break
		}
	}
	l.SecondDescentSurvived = &survived
}

// grokking finds the grokking epoch: by test accuracy when recorded, else
// by test loss.
func grokking(l *LossLandmarks, in *Inputs, s Settings) {
	if len(in.TestAccuracy) == 0 {
		l.GrokkingCriterion = fmt.Sprintf("test_loss < %g", s.GrokkingTestLoss)
		for e, x := range in.TestLoss {
			if x < s.GrokkingTestLoss {
				l.GrokkingEpoch = iptr(e)
				break
			}
		}
		return
	}
	l.GrokkingCriterion = fmt.Sprintf("test_accuracy > %g", s.GrokkingAccuracy)
	for e, a := range in.TestAccuracy {
		if a > s.GrokkingAccuracy {
			l.GrokkingEpoch = iptr(e)
			break
		}
	}
	_, hi := extremes(in.TestAccuracy)
	if hi >= 0 {
		l.TestAccuracyMax = finiteOrNil(in.TestAccuracy[hi])
	}
	l.TestAccuracyFinal = finiteOrNil(in.TestAccuracy[len(in.TestAccuracy)-1])
}
