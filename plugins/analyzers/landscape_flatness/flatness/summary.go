package flatness

import (
	"math"
	"slices"

	"github.com/tdw-workbench/tdw/sdk"
)

// Summary holds the per-checkpoint statistics of the loss changes. Names and
// definitions follow the reference project (numpy defaults: population
// standard deviation, linearly interpolated percentile), plus
// FractionIncreasing.
type Summary struct {
	Mean, Median, Max, Std, P90 float64
	// FlatnessRatio is the fraction of directions whose loss change is below
	// a tenth of the baseline loss (below 0.1 when the baseline is not
	// positive).
	FlatnessRatio float64
	// FractionIncreasing is the fraction of directions that raise the loss.
	FractionIncreasing float64
	Baseline           float64
}

// Summarize computes the Summary of deltas (not modified). It panics if
// deltas is empty.
func Summarize(deltas []float64, baseline float64) Summary {
	n := len(deltas)
	if n == 0 {
		panic("flatness: summary of no directions")
	}
	s := Summary{Max: math.Inf(-1), Baseline: baseline}
	threshold := 0.1
	if baseline > 0 {
		threshold = 0.1 * baseline
	}
	var flat, up int
	for _, d := range deltas {
		s.Mean += d
		s.Max = math.Max(s.Max, d)
		if d < threshold {
			flat++
		}
		if d > 0 {
			up++
		}
	}
	s.Mean /= float64(n)
	for _, d := range deltas {
		s.Std += (d - s.Mean) * (d - s.Mean)
	}
	s.Std = math.Sqrt(s.Std / float64(n))
	sorted := slices.Clone(deltas)
	slices.Sort(sorted)
	s.Median = percentile(sorted, 50)
	s.P90 = percentile(sorted, 90)
	s.FlatnessRatio = float64(flat) / float64(n)
	s.FractionIncreasing = float64(up) / float64(n)
	return s
}

// percentile is numpy's default (linear) percentile of ascending values.
func percentile(sorted []float64, q float64) float64 {
	pos := q / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}

// Tensors returns the summary as the analyzer's summary arrays (scalars).
func (s Summary) Tensors() map[string]*sdk.Tensor {
	return map[string]*sdk.Tensor{
		"mean_delta_loss":     sdk.Scalar(s.Mean),
		"median_delta_loss":   sdk.Scalar(s.Median),
		"max_delta_loss":      sdk.Scalar(s.Max),
		"std_delta_loss":      sdk.Scalar(s.Std),
		"p90_delta_loss":      sdk.Scalar(s.P90),
		"flatness_ratio":      sdk.Scalar(s.FlatnessRatio),
		"fraction_increasing": sdk.Scalar(s.FractionIncreasing),
		"baseline_loss":       sdk.Scalar(s.Baseline),
	}
}
