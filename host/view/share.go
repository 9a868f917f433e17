package view

import "math"

// ShareRange gives pictures of one view at different epochs one range:
// one colour scale (heatmaps, coloured points) and one y range (lines,
// bars) spanning all of them, and for scatters one x and y extent, so an
// animation's frames or a slider's pictures compare. A diverging scale
// stays centred at 0.
func ShareRange(specs []*Spec) {
	if len(specs) < 2 {
		return
	}
	var cLo, cHi, yLo, yHi, xLo, xHi span
	for _, s := range specs {
		if s.Grid != nil {
			cLo.min(s.Grid.Z)
			cHi.max(s.Grid.Z)
		}
		for _, se := range s.Series {
			if s.Color != nil && se.C != nil {
				cLo.min(se.C)
				cHi.max(se.C)
			}
			yLo.min(positiveIf(s.Y.Log, se.Y))
			yHi.max(positiveIf(s.Y.Log, se.Y))
			xLo.min(se.X)
			xHi.max(se.X)
		}
	}
	for _, s := range specs {
		if s.Color != nil && cLo.ok && cHi.ok {
			rescale(s.Color, cLo.v, cHi.v)
		}
		if len(s.Series) > 0 && yLo.ok && yHi.ok && (s.Kind == Lines || s.Kind == Bars || s.Kind == Scatter) && !fixedRange(s.Y) {
			shareAxis(&s.Y, yLo.v, yHi.v)
		}
		if s.Kind == Scatter && xLo.ok && xHi.ok {
			shareAxis(&s.X, xLo.v, xHi.v)
		}
	}
}

// fixedRange reports whether an axis's range is declared (an accuracy's
// 0 to 1): it is shared already.
func fixedRange(a Axis) bool { return a.Range != nil && a.Range[0] == 0 && a.Range[1] == 1 }

// rescale sets a colour scale's ends to [lo, hi] as NewColorScale would
// (centred for a diverging map) and recomputes its ticks.
func rescale(c *ColorScale, lo, hi float64) {
	scale := "sequential"
	if c.Map == RdBu {
		scale = "diverging"
	}
	n := NewColorScale([]float64{lo, hi}, c.Title, nil)
	if scale == "diverging" && n.Map != RdBu {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if m == 0 {
			m = 1
		}
		n.Map, n.Min, n.Max, n.Scale, n.Ticks = RdBu, -m, m, Stops(RdBu), Ticks(-m, m, 5)
	}
	*c = *n
}

// shareAxis fixes an axis's range to [lo, hi] with round ticks.
func shareAxis(a *Axis, lo, hi float64) {
	if a.Log {
		a.Range = &[2]float64{lo, hi}
		a.Ticks = LogTicks(lo, hi)
		return
	}
	if lo == hi {
		lo, hi = math.Min(0, lo), math.Max(0, hi)
		if lo == hi {
			hi = 1
		}
	}
	a.Range = &[2]float64{lo, hi}
	a.Ticks = Ticks(lo, hi, TickTarget)
}

// span accumulates a least or greatest finite value.
type span struct {
	v  float64
	ok bool
}

func (s *span) min(vals []float64) {
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) && (!s.ok || v < s.v) {
			s.v, s.ok = v, true
		}
	}
}

func (s *span) max(vals []float64) {
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) && (!s.ok || v > s.v) {
			s.v, s.ok = v, true
		}
	}
}

// positiveIf returns the positive values when log (a log axis's extent),
// else all.
func positiveIf(log bool, vals []float64) []float64 {
	if !log {
		return vals
	}
	var out []float64
	for _, v := range vals {
		if v > 0 {
			out = append(out, v)
		}
	}
	return out
}
