package results

import (
	"fmt"
	"math"
	"slices"

	"github.com/tdw-workbench/tdw/sdk"
)

// Stack joins same-dtype, same-shape tensors along a new leading axis, as
// numpy.stack does. It returns an error naming the first tensor that differs.
func Stack(ts []*sdk.Tensor) (*sdk.Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("nothing to stack")
	}
	first := ts[0]
	shape := append([]int{len(ts)}, first.Shape()...)
	out := sdk.NewTensor(first.DType(), shape...)
	dst := out.Bytes()
	n := len(first.Bytes())
	for i, t := range ts {
		if t.DType() != first.DType() || !slices.Equal(t.Shape(), first.Shape()) {
			return nil, fmt.Errorf("item %d is %s, item 0 is %s", i, t, first)
		}
		copy(dst[i*n:(i+1)*n], t.Bytes())
	}
	return out, nil
}

// setFromFloat64 stores v into t, converting to t's dtype.
func setFromFloat64(t *sdk.Tensor, v []float64) {
	switch t.DType() {
	case sdk.Float64:
		copy(t.Float64s(), v)
	case sdk.Float32:
		d := t.Float32s()
		for i, x := range v {
			d[i] = float32(x)
		}
	case sdk.Float16:
		d := t.Float16Bits()
		for i, x := range v {
			d[i] = sdk.Float32ToFloat16(float32(x))
		}
	case sdk.BFloat16:
		d := t.Float16Bits()
		for i, x := range v {
			d[i] = uint16(math.Float32bits(float32(x)) >> 16)
		}
	case sdk.Int64:
		d := t.Int64s()
		for i, x := range v {
			d[i] = int64(x)
		}
	case sdk.Int32:
		d := t.Int32s()
		for i, x := range v {
			d[i] = int32(x)
		}
	case sdk.Uint8, sdk.Bool:
		d := t.Uint8s()
		for i, x := range v {
			d[i] = uint8(x)
		}
	}
}
