package results

import (
	"math/rand/v2"
	"slices"
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
		if !slices.Equal(shape, tc.shape) || len(got) != len(tc.want) {
			t.Errorf("%s: shape %v len %d, want %v len %d", tc.name, shape, len(got), tc.shape, len(tc.want))
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] { // copies: exact
				t.Errorf("%s: [%d] = %v, want %v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestParseIndex(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		bad  bool
	}{
		{"", nil, false}, {"3", []int{3}, false}, {"1, 2", []int{1, 2}, false}, {"-1", nil, true}, {"a", nil, true}, {"1,,2", nil, true},
	} {
		got, err := ParseIndex(tc.in)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("ParseIndex(%q) = %v, %v", tc.in, got, err)
		}
	}
}
