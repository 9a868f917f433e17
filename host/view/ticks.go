package view

import (
	"math"
	"strconv"
)

// TickTarget is about how many ticks an axis gets.
const TickTarget = 6

// NiceStep returns a round step (1, 2 or 5 times a power of ten) that
// divides span into about n parts. It returns 1 for a span that is not
// positive and finite.
func NiceStep(span float64, n int) float64 {
	if !(span > 0) || math.IsInf(span, 0) || n < 1 {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	// The 1-2-5 step nearest raw on a log scale: about n parts, never
	// half or twice as many.
	best, dist := p, math.Inf(1)
	for _, m := range []float64{1, 2, 5, 10} {
		if d := math.Abs(math.Log(m * p / raw)); d < dist {
			best, dist = m*p, d
		}
	}
	return clean(best)
}

// Ticks returns round tick values in [lo, hi], about n of them, a round
// step apart (NiceStep). An empty or non-finite range gives none; lo = hi
// gives that one value.
func Ticks(lo, hi float64, n int) []float64 {
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi:
		return nil
	case lo == hi:
		return []float64{lo}
	}
	step := NiceStep(hi-lo, n)
	first := math.Ceil(lo/step - 1e-9)
	var out []float64
	for k := first; k*step <= hi+step*1e-9; k++ {
		out = append(out, clean(k*step))
	}
	return out
}

// IntTicks is Ticks for an axis of indices or counts: steps of at least 1.
func IntTicks(lo, hi float64, n int) []float64 {
	if hi-lo < float64(n) {
		var out []float64
		for v := math.Ceil(lo); v <= hi; v++ {
			out = append(out, v)
		}
		return out
	}
	return Ticks(lo, hi, n)
}

// LogTicks returns ticks for a log axis over [lo, hi] (lo > 0): the powers
// of ten inside it, with 2 and 5 times them when the range spans fewer
// than three decades.
func LogTicks(lo, hi float64) []float64 {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	a, b := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	mults := []float64{1}
	if b-a < 3 {
		mults = []float64{1, 2, 5}
	}
	var out []float64
	for e := a; e <= b; e++ {
		for _, m := range mults {
			v := clean(m * math.Pow(10, e))
			if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
				out = append(out, v)
			}
		}
	}
	return out
}

// clean rounds away the binary noise of k*step (0.30000000000000004).
func clean(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	if err != nil {
		return v
	}
	if r == 0 {
		return 0 // no -0
	}
	return r
}

// FormatTick writes a tick value as it is labelled: the shortest form
// that tells the ticks apart (1, 0.5, 1e-05, 2000).
func FormatTick(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e-4 && a < 1e6 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
