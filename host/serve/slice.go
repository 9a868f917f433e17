package serve

import (
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// MaxElements bounds the elements of one array answer: a bigger array must
// be sliced with index= or thinned with step=.
const MaxElements = 1 << 20

// Slice is the part of an array a request asks for.
type Slice struct {
	// Index fixes the leading axes, e.g. [17] picks row 17 of the first axis.
	Index []int
	// Step keeps every Step-th element along each remaining axis (0 or 1:
	// all of them).
	Step int
}

// Apply returns the selected elements of t as float64 in row-major order,
// and their shape. Only the selected sub-array is converted. It returns an
// error if an index is out of range or the result holds more than max
// elements.
func (sl Slice) Apply(t *sdk.Tensor, max int) ([]float64, []int, error) {
	shape := t.Shape()
	if len(sl.Index) > len(shape) {
		return nil, nil, fmt.Errorf("index has %d entries but the array has %d axes (shape %v)", len(sl.Index), len(shape), shape)
	}
	off := 0
	for i, ix := range sl.Index {
		if ix >= shape[i] {
			return nil, nil, fmt.Errorf("index %d out of range for axis %d of length %d", ix, i, shape[i])
		}
		off = off*shape[i] + ix
	}
	rest := shape[len(sl.Index):]
	n := sdk.NumElements(rest)
	off *= n
	step := max1(sl.Step)
	outShape := make([]int, len(rest))
	for i, d := range rest {
		outShape[i] = (d + step - 1) / step
	}
	if m := sdk.NumElements(outShape); m > max {
		return nil, nil, fmt.Errorf("the selection holds %d elements (shape %v), more than %d: fix leading axes with index= or thin it with step=", m, outShape, max)
	}
	size := t.DType().Size()
	sub, err := sdk.TensorFromBytes(t.DType(), rest, t.Bytes()[off*size:(off+n)*size])
	if err != nil {
		return nil, nil, err
	}
	all := sub.AsFloat64()
	if step == 1 {
		return all, outShape, nil
	}
	out := make([]float64, 0, sdk.NumElements(outShape))
	strides := make([]int, len(rest))
	acc := 1
	for i := len(rest) - 1; i >= 0; i-- {
		strides[i] = acc
		acc *= rest[i]
	}
	var walk func(axis, base int)
	walk = func(axis, base int) {
		if axis == len(rest) {
			out = append(out, all[base])
			return
		}
		for i := 0; i < rest[axis]; i += step {
			walk(axis+1, base+i*strides[axis])
		}
	}
	walk(0, 0)
	return out, outShape, nil
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// floatBits is the JSON precision for a dtype's values: integers and
// float64 need all 64 bits to stay exact.
func floatBits(d sdk.DType) int {
	switch d {
	case sdk.Float16:
		return 16
	case sdk.Float32, sdk.BFloat16:
		return 32
	}
	return 64
}
