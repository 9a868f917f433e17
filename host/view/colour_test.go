package view

import (
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/tdw-workbench/tdw/host/registry"
)

// TestColourRanges: the scale's ends and ticks say what the data is; an
// all-zero array is never labelled with a maximum it does not have.
func TestColourRanges(t *testing.T) {
	for _, tc := range []struct {
		name     string
		vals     []float64
		meta     *registry.ValueMeta
		cmap     string
		min, max float64
	}{
		{"all zero", []float64{0, 0, 0, 0}, nil, Viridis, 0, 1},
		{"constant positive", []float64{3, 3}, nil, Viridis, 0, 3},
		{"constant negative", []float64{-2, -2}, nil, Viridis, -2, 0},
		{"positive", []float64{0.5, 2, 1}, nil, Viridis, 0.5, 2},
		{"signed", []float64{-1, 4, 2}, nil, RdBu, -4, 4},
		{"declared diverging", []float64{0.5, 2}, &registry.ValueMeta{Scale: "diverging"}, RdBu, -2, 2},
		{"declared range", []float64{0.2, 0.3}, &registry.ValueMeta{Range: &[2]float64{0, 1}}, Viridis, 0, 1},
		{"NaN and Inf left out", []float64{math.NaN(), 1, math.Inf(1), 2}, nil, Viridis, 1, 2},
		{"nothing finite", []float64{math.NaN()}, nil, Viridis, 0, 1},
	} {
		c := NewColorScale(tc.vals, "v", tc.meta)
		if c.Map != tc.cmap || c.Min != tc.min || c.Max != tc.max {
			t.Errorf("%s: %s [%g, %g], want %s [%g, %g]", tc.name, c.Map, c.Min, c.Max, tc.cmap, tc.min, tc.max)
		}
		if len(c.Ticks) == 0 || c.Ticks[0] < c.Min || c.Ticks[len(c.Ticks)-1] > c.Max {
			t.Errorf("%s: ticks %v outside [%g, %g]", tc.name, c.Ticks, c.Min, c.Max)
		}
		if len(c.Scale) != 11 || c.Scale[0].At != 0 || c.Scale[10].At != 1 {
			t.Errorf("%s: scale stops %v", tc.name, c.Scale)
		}
	}
	zero := NewColorScale(make([]float64, 9), "v", nil)
	if slices.Contains(zero.Ticks, 0.5) && zero.Max == 0.5 {
		t.Error("an all-zero array is labelled max 0.5")
	}
}

// TestColourMaps: the ends and the middle of each map, white at 0 for
// RdBu, and NaN transparent.
func TestColourMaps(t *testing.T) {
	rdbu := &ColorScale{Map: RdBu, Min: -2, Max: 2}
	if got := rdbu.RGBA(0); got != (color.RGBA{0xf7, 0xf7, 0xf7, 255}) {
		t.Errorf("RdBu at 0 is %v, want the white middle", got)
	}
	if got := rdbu.RGBA(-2); got != ParseHex("#053061") {
		t.Errorf("RdBu at min is %v, want dark blue", got)
	}
	if got := rdbu.RGBA(99); got != ParseHex("#67001f") {
		t.Errorf("RdBu beyond max is %v, want the dark red end", got)
	}
	vir := &ColorScale{Map: Viridis, Min: 0, Max: 1}
	if vir.RGBA(0) != ParseHex("#440154") || vir.RGBA(1) != ParseHex("#fde725") {
		t.Errorf("viridis ends %v %v", vir.RGBA(0), vir.RGBA(1))
	}
	if got := vir.RGBA(0.05); got == vir.RGBA(0) || got == vir.RGBA(0.1) {
		t.Errorf("viridis does not interpolate between stops: %v", got)
	}
	if vir.RGBA(math.NaN()).A != 0 {
		t.Error("NaN is not transparent")
	}
	flat := &ColorScale{Map: Viridis, Min: 1, Max: 1}
	if flat.RGBA(1) != ParseHex("#440154") {
		t.Error("a flat scale does not take its first stop")
	}
}
