package checkpoint

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/internal/pythontest"
	"github.com/tdw-workbench/tdw/sdk"
)

// randomTensor returns a tensor of dtype and shape with seeded random content.
func randomTensor(rng *rand.Rand, d sdk.DType, shape ...int) *sdk.Tensor {
	t := sdk.NewTensor(d, shape...)
	b := t.Bytes()
	switch d {
	case sdk.Bool:
		for i := range b {
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
	case sdk.Float16, sdk.BFloat16:
		for i, v := 0, t.Float16Bits(); i < len(v); i++ {
			v[i] = sdk.Float32ToFloat16(float32(rng.NormFloat64()))
		}
	default:
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
	}
	return t
}

// sameTensor reports whether a and b have equal dtype, shape and bytes.
func sameTensor(a, b *sdk.Tensor) bool {
	return a.DType() == b.DType() && slices.Equal(a.Shape(), b.Shape()) && string(a.Bytes()) == string(b.Bytes())
}

// wantFormatError fails t unless err is a *FormatError naming file and, when
// tensor is not empty, the tensor, with a message containing msg.
func wantFormatError(t *testing.T, err error, file, tensor, msg string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("got error %v (%T), want a *FormatError", err, err)
	}
	if fe.File != file {
		t.Errorf("error names file %q, want %q", fe.File, file)
	}
	if fe.Tensor != tensor {
		t.Errorf("error names tensor %q, want %q (%v)", fe.Tensor, tensor, err)
	}
	if !strings.Contains(err.Error(), file) || (tensor != "" && !strings.Contains(err.Error(), tensor)) {
		t.Errorf("message %q does not name file and tensor", err)
	}
	if !strings.Contains(fe.Msg, msg) {
		t.Errorf("message %q does not contain %q", fe.Msg, msg)
	}
}

// pythonWithNumpy returns a python3 that imports numpy, or skips the test.
func pythonWithNumpy(t *testing.T) string { t.Helper(); return pythontest.Numpy(t) }
