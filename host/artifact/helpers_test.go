package artifact

import (
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/host/internal/pythontest"
	"github.com/tdw-workbench/tdw/sdk"
)

// randomTensor returns a tensor of dtype and shape with seeded random content.
func randomTensor(rng *rand.Rand, d sdk.DType, shape ...int) *sdk.Tensor {
	t := sdk.NewTensor(d, shape...)
	switch d {
	case sdk.Bool:
		for i, b := 0, t.Bytes(); i < len(b); i++ {
			b[i] = byte(rng.IntN(2))
		}
	case sdk.Float32:
		for i, v := 0, t.Float32s(); i < len(v); i++ {
			v[i] = float32(rng.NormFloat64())
		}
	case sdk.Float64:
		for i, v := 0, t.Float64s(); i < len(v); i++ {
			v[i] = rng.NormFloat64()
		}
	case sdk.Float16:
		for i, v := 0, t.Float16Bits(); i < len(v); i++ {
			v[i] = sdk.Float32ToFloat16(float32(rng.NormFloat64()))
		}
	default:
		for i, b := 0, t.Bytes(); i < len(b); i++ {
			b[i] = byte(rng.IntN(256))
		}
	}
	return t
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameTensor reports whether a and b have equal dtype, shape and bytes.
func sameTensor(a, b *sdk.Tensor) bool {
	return a != nil && b != nil && a.DType() == b.DType() && sameShape(a.Shape(), b.Shape()) &&
		string(a.Bytes()) == string(b.Bytes())
}

// pythonWithNumpy returns a python3 that imports numpy, or skips the test.
func pythonWithNumpy(t testing.TB) string { t.Helper(); return pythontest.Numpy(t) }
