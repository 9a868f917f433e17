package sdktest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// recorder is a testing.TB that keeps the failures it is given.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestSameTensors(t *testing.T) {
	base := func() map[string]*sdk.Tensor {
		return map[string]*sdk.Tensor{"a": sdk.FromFloat32([]float32{1, 2, 3, 4}, 2, 2), "b": sdk.FromInt64([]int64{7}, 1)}
	}
	for _, c := range []struct {
		name   string
		change func(map[string]*sdk.Tensor)
		want   string // in the one failure; "" for none
	}{
		{"identical", func(map[string]*sdk.Tensor) {}, ""},
		{"missing", func(m map[string]*sdk.Tensor) { delete(m, "b") }, "array b is missing"},
		{"extra", func(m map[string]*sdk.Tensor) { m["c"] = sdk.FromInt64([]int64{1}, 1) }, "array c is not wanted"},
		{"shape", func(m map[string]*sdk.Tensor) { m["a"] = sdk.FromFloat32([]float32{1, 2, 3, 4}, 4) }, "array a is float32"},
		{"dtype", func(m map[string]*sdk.Tensor) { m["b"] = sdk.FromFloat64([]float64{7}, 1) }, "array b is float64"},
		{"values", func(m map[string]*sdk.Tensor) { m["a"] = sdk.FromFloat32([]float32{1, 2, 3, 5}, 2, 2) }, "differs"},
	} {
		got := base()
		c.change(got)
		r := &recorder{TB: t}
		SameTensors(r, "array", base(), got)
		switch {
		case c.want == "" && len(r.errs) != 0:
			t.Errorf("%s: failures %q, want none", c.name, r.errs)
		case c.want != "" && (len(r.errs) != 1 || !strings.Contains(r.errs[0], c.want)):
			t.Errorf("%s: failures %q, want one containing %q", c.name, r.errs, c.want)
		}
	}
}
