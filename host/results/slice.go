package results

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// Slice is the part of an array a reader asks for: the dashboard's index=
// and step=, the CLI's --index.
type Slice struct {
	// Index fixes the leading axes, e.g. [17] picks row 17 of the first axis.
	Index []int
	// Step keeps every Step-th element along each remaining axis (0 or 1:
	// all of them).
	Step int
}

// Apply returns the selected elements of t as float64 in row-major order,
// and their shape. Only the selected sub-array is converted. It returns an
// ErrSelection error if an index is out of range or the result holds more
// than max elements.
func (sl Slice) Apply(t *sdk.Tensor, max int) ([]float64, []int, error) {
	shape := t.Shape()
	if len(sl.Index) > len(shape) {
		return nil, nil, fmt.Errorf("%w: index has %d entries but the array has %d axes (shape %v)", ErrSelection, len(sl.Index), len(shape), shape)
	}
	off, err := Offset(shape, sl.Index)
	if err != nil {
		return nil, nil, err
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
		return nil, nil, fmt.Errorf("%w: the selection holds %d elements (shape %v), more than %d: fix leading axes with index= or thin it with step=", ErrSelection, m, outShape, max)
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

// Offset returns the flat position of index within leading axes of the
// given lengths (shape may have more axes than index has entries), or an
// ErrSelection error naming an index out of range.
func Offset(shape, index []int) (int, error) {
	off := 0
	for i, ix := range index {
		if ix >= shape[i] {
			return 0, fmt.Errorf("%w: index %d out of range for axis %d of length %d", ErrSelection, ix, i, shape[i])
		}
		off = off*shape[i] + ix
	}
	return off, nil
}

// ParseIndex parses "i,j,..." (non-negative integers) as given to --index
// and the index= query parameter; "" is no index.
func ParseIndex(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("index %q: want comma-separated non-negative integers", s)
		}
		out[i] = n
	}
	return out, nil
}
