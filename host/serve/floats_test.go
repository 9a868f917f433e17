package serve

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestFloatsJSON(t *testing.T) {
	tests := []struct {
		f    Floats
		want string
	}{
		{Floats{Values: []float64{1, 0.1, math.NaN(), math.Inf(1)}, Bits: 64}, "[1,0.1,null,null]"},
		{Floats{Values: []float64{float64(float32(0.1))}, Bits: 32}, "[0.1]"},
		{Floats{}, "[]"},
	}
	for _, tc := range tests {
		b, _ := tc.f.MarshalJSON()
		if string(b) != tc.want {
			t.Errorf("%v: %s, want %s", tc.f.Values, b, tc.want)
		}
	}
}

// TestFloat16RoundTrip checks that every finite float16 value reads back
// from its JSON form to the same float16.
func TestFloat16RoundTrip(t *testing.T) {
	var vals []float64
	var bits []uint16
	for h := 0; h < 1<<16; h++ {
		f := sdk.Float16ToFloat32(uint16(h))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			continue
		}
		vals = append(vals, float64(f))
		bits = append(bits, uint16(h))
	}
	b, err := Floats{Values: vals, Bits: 16}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back []float64
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for i, x := range back {
		got := sdk.Float32ToFloat16(float32(x))
		// +0 and -0 both read back as a zero.
		if got != bits[i] && !(vals[i] == 0 && x == 0) {
			t.Fatalf("float16 %#04x (%v) encodes as %v, which reads back as %#04x", bits[i], vals[i], x, got)
		}
	}
}
