package view

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// round reports whether v is k × 1, 2 or 5 × 10^n for an integer k: a
// value a tick may sit at, given step.
func onStep(v, step float64) bool {
	k := v / step
	return scalar.EqualWithinAbsOrRel(k, math.Round(k), 1e-9, 1e-9)
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ span, want float64 }{
		{1, 0.2}, {10, 2}, {112, 20}, {800, 200}, {0.009985, 0.002}, {4.16e-4, 1e-4}, {7, 1}, {511, 100}, {0, 1}, {math.Inf(1), 1},
	} {
		if got := NiceStep(tc.span, 5); !scalar.EqualWithinAbsOrRel(got, tc.want, 1e-12, 1e-12) {
			t.Errorf("NiceStep(%g, 5) = %g, want %g", tc.span, got, tc.want)
		}
	}
}

// TestTicksAreRound: every tick is a multiple of a 1-2-5 step, inside the
// range, written without binary noise.
func TestTicksAreRound(t *testing.T) {
	for _, r := range [][2]float64{{0, 1}, {0, 799}, {0, 800}, {1, 56}, {-3.7, 2.2}, {0.009985, 0.0312}, {1e-6, 4.16e-4}, {123456, 123789}, {-0.3, 0.3}} {
		ts := Ticks(r[0], r[1], TickTarget)
		if len(ts) < 2 {
			t.Errorf("Ticks(%g, %g) = %v: want at least two", r[0], r[1], ts)
			continue
		}
		step := ts[1] - ts[0]
		mant := step / math.Pow(10, math.Floor(math.Log10(step)))
		if !slices.ContainsFunc([]float64{1, 2, 5}, func(m float64) bool { return scalar.EqualWithinAbsOrRel(m, mant, 1e-9, 1e-9) }) {
			t.Errorf("Ticks(%g, %g) step %g is not 1, 2 or 5 × 10^n", r[0], r[1], step)
		}
		for _, v := range ts {
			if v < r[0]-1e-12 || v > r[1]+1e-12 || !onStep(v, step) {
				t.Errorf("Ticks(%g, %g) has %g: outside or off the step %g", r[0], r[1], v, step)
			}
			if s := FormatTick(v); len(s) > 8 {
				t.Errorf("tick %g is written %q", v, s)
			}
		}
	}
	if got := Ticks(0.1, 0.3, 2); !slices.Equal(got, []float64{0.1, 0.2, 0.3}) {
		t.Errorf("Ticks(0.1, 0.3) = %v: want 0.1, 0.2, 0.3 exactly", got)
	}
	if Ticks(1, 0, 5) != nil || Ticks(math.NaN(), 1, 5) != nil {
		t.Error("an empty or NaN range has ticks")
	}
	if got := Ticks(3, 3, 5); !slices.Equal(got, []float64{3}) {
		t.Errorf("Ticks(3, 3) = %v", got)
	}
	if got := IntTicks(1, 3, 6); !slices.Equal(got, []float64{1, 2, 3}) {
		t.Errorf("IntTicks(1, 3) = %v: want every index", got)
	}
}

func TestLogTicks(t *testing.T) {
	if got := LogTicks(1e-7, 4.7); !slices.Equal(got, []float64{1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1}) {
		t.Errorf("LogTicks(1e-7, 4.7) = %v", got)
	}
	if got := LogTicks(0.3, 8); !slices.Equal(got, []float64{0.5, 1, 2, 5}) {
		t.Errorf("LogTicks(0.3, 8) = %v", got)
	}
	if LogTicks(0, 1) != nil || LogTicks(-1, 1) != nil {
		t.Error("a log axis reaching 0 has ticks")
	}
}

func TestFormatTick(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.5: "0.5", 1e-5: "1e-05", 2000: "2000", -0.25: "-0.25", 0.30000000000000004: "0.30000000000000004", 1e7: "1e+07"} {
		if got := FormatTick(v); got != want {
			t.Errorf("FormatTick(%v) = %q, want %q", v, got, want)
		}
	}
}
