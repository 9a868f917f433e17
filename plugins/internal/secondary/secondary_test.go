package secondary

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestPerEpoch(t *testing.T) {
	in := map[string]*sdk.Stacked{
		"a": {Epochs: []int{5, 9}, Arrays: map[string]*sdk.Tensor{"x": sdk.FromFloat64([]float64{1, 2, 3, 4, 5, 6}, 2, 3)}},
		"b": {Epochs: []int{5, 9}, Arrays: map[string]*sdk.Tensor{"y": sdk.FromInt64([]int64{10, 20}, 2)}},
	}
	out, err := PerEpoch(in, func(e int, arrays map[string]map[string]*sdk.Tensor) (*sdk.Result, error) {
		x, y := arrays["a"]["x"].Float64s(), arrays["b"]["y"].Int64s()
		if arrays["a"]["x"].ShapeString() != "(3,)" || arrays["b"]["y"].Rank() != 0 {
			return nil, fmt.Errorf("shapes %v %v", arrays["a"]["x"], arrays["b"]["y"])
		}
		return &sdk.Result{
			Arrays:  map[string]*sdk.Tensor{"sum": sdk.Scalar(x[0] + x[1] + x[2] + float64(y[0]))},
			Summary: map[string]*sdk.Tensor{"epoch": sdk.FromInt64([]int64{int64(e), 0}, 2)},
		}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := fmt.Sprint(out["sum"].Float64s(), " ", out["sum"].ShapeString()); g != "[16 35] (2,)" {
		t.Errorf("sum %s", g)
	}
	if g := fmt.Sprint(out["epoch"].Int64s(), " ", out["epoch"].ShapeString()); g != "[5 0 9 0] (2, 2)" {
		t.Errorf("epoch %s", g)
	}
	in["b"].Epochs = []int{5, 10}
	if _, err := PerEpoch(in, nil); err == nil || !strings.Contains(err.Error(), "input b has epochs [5 10]") {
		t.Errorf("mismatched epochs: %v", err)
	}
	in["b"].Epochs = []int{5, 9}
	n := 0
	_, err = PerEpoch(in, func(int, map[string]map[string]*sdk.Tensor) (*sdk.Result, error) {
		n++
		return &sdk.Result{Arrays: map[string]*sdk.Tensor{"v": sdk.NewTensor(sdk.Float64, n)}}, nil
	})
	if err == nil || !strings.Contains(err.Error(), "result v: is float64(2,) at one epoch") {
		t.Errorf("changing shape: %v", err)
	}
}
