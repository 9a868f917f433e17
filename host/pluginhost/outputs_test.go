package pluginhost

import (
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestCheckOutputs(t *testing.T) {
	specs := []OutputSpec{
		{Name: "a", DType: sdk.Float32, Shape: []int{-1, 3}},
		{Name: "b", DType: sdk.Int64},
		{Name: "c", Shape: []int{}},
	}
	ok := map[string]*sdk.Tensor{
		"a": sdk.NewTensor(sdk.Float32, 7, 3),
		"b": sdk.NewTensor(sdk.Int64, 2, 2, 2),
		"c": sdk.Scalar(1),
	}
	with := func(name string, t *sdk.Tensor) map[string]*sdk.Tensor {
		m := map[string]*sdk.Tensor{}
		for k, v := range ok {
			m[k] = v
		}
		if t == nil {
			delete(m, name)
		} else {
			m[name] = t
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		specs  []OutputSpec
		arrays map[string]*sdk.Tensor
		want   string
	}{
		{"all declared", specs, ok, ""},
		{"no specs accept anything", nil, map[string]*sdk.Tensor{"z": sdk.Scalar(0)}, ""},
		{"missing", specs, with("b", nil), `no array "b", which its description declares`},
		{"dtype", specs, with("a", sdk.NewTensor(sdk.Float64, 7, 3)), `array "a" as float64, but its description declares float32`},
		{"fixed dim", specs, with("a", sdk.NewTensor(sdk.Float32, 7, 4)), `array "a" with shape (7, 4), but its description declares (?, 3)`},
		{"rank", specs, with("a", sdk.NewTensor(sdk.Float32, 21)), `array "a" with shape (21,), but its description declares (?, 3)`},
		{"scalar", specs, with("c", sdk.NewTensor(sdk.Float64, 1)), `array "c" with shape (1,), but its description declares ()`},
		{"undeclared", specs, with("x", sdk.Scalar(0)), `undeclared array(s) x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkOutputs(tc.specs, tc.arrays)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
