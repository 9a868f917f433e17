package view

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/tdw-workbench/tdw/host/registry"
)

// ColorStop is one stop of a colour scale: a position in [0, 1] and a CSS
// colour "#rrggbb". Its JSON form is [position, "#rrggbb"], what Plotly
// takes as a colorscale entry.
type ColorStop struct {
	At    float64
	Color string
}

// MarshalJSON implements json.Marshaler.
func (c ColorStop) MarshalJSON() ([]byte, error) { return json.Marshal([]any{c.At, c.Color}) }

// UnmarshalJSON implements json.Unmarshaler.
func (c *ColorStop) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 2 {
		return fmt.Errorf("colour stop %s: want [position, \"#rrggbb\"]", b)
	}
	if err := json.Unmarshal(raw[0], &c.At); err != nil {
		return fmt.Errorf("colour stop %s: %w", b, err)
	}
	return json.Unmarshal(raw[1], &c.Color)
}

// The stops of the colour maps: matplotlib's viridis sampled at tenths,
// ColorBrewer's 11-class RdBu with blue for negative values and white at
// the middle. Page and files interpolate linearly in RGB between them.
var (
	viridisStops = stops("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725")
	rdbuStops    = stops("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f")
)

func stops(cs ...string) []ColorStop {
	out := make([]ColorStop, len(cs))
	for i, c := range cs {
		out[i] = ColorStop{At: float64(i) / float64(len(cs)-1), Color: c}
	}
	return out
}

// Stops returns the stops of a colour map (Viridis or RdBu); any other
// name gets viridis.
func Stops(m string) []ColorStop {
	if m == RdBu {
		return rdbuStops
	}
	return viridisStops
}

// NewColorScale returns the colour scale of values titled title: RdBu
// centred at 0 (min = -max) for values of both signs or when meta asks for
// a diverging scale, viridis otherwise; meta's range, when given, fixes
// the ends. Constant values v get a scale from min(0, v) to max(0, v) (0
// to 1 when v is 0), so the bar's labels never claim a value the data does
// not reach beyond its one value and 0. NaN and ±Inf are left out.
func NewColorScale(vals []float64, title string, meta *registry.ValueMeta) *ColorScale {
	lo, hi, ok := finiteRange(vals)
	if !ok {
		lo, hi = 0, 1
	}
	scale := ""
	if meta != nil {
		scale = meta.Scale
		if meta.Range != nil {
			lo, hi = meta.Range[0], meta.Range[1]
		}
	}
	c := &ColorScale{Map: Viridis, Title: title}
	if scale == "diverging" || (scale == "" && lo < 0 && hi > 0) {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if m == 0 {
			m = 1
		}
		c.Map, c.Min, c.Max = RdBu, -m, m
	} else {
		switch {
		case lo < hi:
			c.Min, c.Max = lo, hi
		case lo == 0:
			c.Min, c.Max = 0, 1
		default:
			c.Min, c.Max = math.Min(0, lo), math.Max(0, lo)
		}
	}
	c.Scale = Stops(c.Map)
	c.Ticks = Ticks(c.Min, c.Max, 5)
	return c
}

// finiteRange returns the least and greatest finite values; ok is false
// when there are none.
func finiteRange(vals []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi, ok = math.Min(lo, v), math.Max(hi, v), true
	}
	return lo, hi, ok
}

// RGBA returns the colour of v on the scale: the ends for values beyond
// them, transparent for NaN. A scale with Min = Max colours everything
// with its first stop.
func (c *ColorScale) RGBA(v float64) color.RGBA {
	if math.IsNaN(v) {
		return color.RGBA{}
	}
	t := 0.0
	if c.Max > c.Min {
		t = (v - c.Min) / (c.Max - c.Min)
	}
	return At(c.stops(), t)
}

func (c *ColorScale) stops() []ColorStop {
	if len(c.Scale) >= 2 {
		return c.Scale
	}
	return Stops(c.Map)
}

// At returns the colour at t in [0, 1] (clamped) of stops, interpolated
// linearly in RGB. It panics if stops has fewer than two entries.
func At(stops []ColorStop, t float64) color.RGBA {
	if len(stops) < 2 {
		panic("view: a colour scale needs two stops")
	}
	t = math.Max(0, math.Min(1, t))
	for i := 1; i < len(stops); i++ {
		if t <= stops[i].At || i == len(stops)-1 {
			a, b := stops[i-1], stops[i]
			f := 0.0
			if b.At > a.At {
				f = (t - a.At) / (b.At - a.At)
			}
			ca, cb := ParseHex(a.Color), ParseHex(b.Color)
			mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
			return color.RGBA{mix(ca.R, cb.R), mix(ca.G, cb.G), mix(ca.B, cb.B), 255}
		}
	}
	return ParseHex(stops[len(stops)-1].Color)
}

// ParseHex reads a "#rrggbb" colour; anything else is black.
func ParseHex(s string) color.RGBA {
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{A: 255}
	}
	n, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{A: 255}
	}
	return color.RGBA{uint8(n >> 16), uint8(n >> 8), uint8(n), 255}
}
