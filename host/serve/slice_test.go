package serve

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestSliceApply(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]float64, 2*3*5)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	x := sdk.FromFloat64(data, 2, 3, 5)
	at := func(i, j, k int) float64 { return data[i*15+j*5+k] }
	tests := []struct {
		name  string
		sl    Slice
		max   int
		shape []int
		want  []float64
		err   bool
	}{
		{"all", Slice{}, 100, []int{2, 3, 5}, data, false},
		{"row", Slice{Index: []int{1}}, 100, []int{3, 5}, data[15:], false},
		{"element", Slice{Index: []int{1, 2, 4}}, 100, []int{}, []float64{at(1, 2, 4)}, false},
		{"step", Slice{Index: []int{0}, Step: 2}, 100, []int{2, 3},
			[]float64{at(0, 0, 0), at(0, 0, 2), at(0, 0, 4), at(0, 2, 0), at(0, 2, 2), at(0, 2, 4)}, false},
		{"too big", Slice{}, 29, nil, nil, true},
		{"out of range", Slice{Index: []int{2}}, 100, nil, nil, true},
		{"too many", Slice{Index: []int{0, 0, 0, 0}}, 100, nil, nil, true},
	}
	for _, tc := range tests {
		got, shape, err := tc.sl.Apply(x, tc.max)
		if tc.err {
			if err == nil {
				t.Errorf("%s: no error", tc.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if js(shape) != js(tc.shape) || len(got) != len(tc.want) {
			t.Errorf("%s: shape %v len %d, want %v len %d", tc.name, shape, len(got), tc.shape, len(tc.want))
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-15 {
				t.Errorf("%s: [%d] = %v, want %v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

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
