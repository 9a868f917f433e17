// Package rowsum is the trivial analyzer the pluginhost tests and benchmarks
// run both in-process and as a plugin: it sums each row of hook "h".
package rowsum

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// Analyzer sums each row of the 2-D float32 hook "h" into array "row_sum".
type Analyzer struct {
	// Name is the name Info reports.
	Name string
}

// Info describes the analyzer as per-checkpoint, version 1.0.0.
func (a Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: a.Name, Version: "1.0.0", Kind: sdk.PerCheckpoint}
}

// Begin does nothing.
func (Analyzer) Begin(context.Context, *sdk.Run) error { return nil }

// End does nothing.
func (Analyzer) End(context.Context) error { return nil }

// Analyze returns the row sums of hook "h", or an error if it is missing or
// not a 2-D float32 tensor.
func (Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	h := cp.Hooks["h"]
	if h == nil || h.DType() != sdk.Float32 || h.Rank() != 2 {
		return nil, fmt.Errorf("hook h must be a 2-D float32 tensor, got %v", h)
	}
	rows, cols := h.Shape()[0], h.Shape()[1]
	out := make([]float32, rows)
	Sum(out, h.Float32s(), cols)
	return &sdk.Result{Arrays: map[string]*sdk.Tensor{"row_sum": sdk.FromFloat32(out, rows)}}, nil
}

// Sum writes the sum of each cols-long row of x into dst. It panics if x
// holds fewer than len(dst)*cols values.
func Sum(dst, x []float32, cols int) {
	x = x[:len(dst)*cols]
	for i := range dst {
		var s float32
		for _, v := range x[i*cols : (i+1)*cols] {
			s += v
		}
		dst[i] = s
	}
}
