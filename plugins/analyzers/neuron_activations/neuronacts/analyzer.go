// Package neuronacts is the neuron_activations analyzer: every MLP neuron's
// post-activation at the last position, laid out as a grid over the probe
// ((a, b) for modular addition), so that a neuron's learned pattern can be
// looked at directly.
package neuronacts

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "neuron_activations"
	Version = "0.1.0"
)

// HookName returns the hook the analyzer reads for layer l.
func HookName(l int) string { return fmt.Sprintf("blocks.%d.mlp.hook_post", l) }

// Analyzer implements sdk.Analyzer. Its output `activations` has shape
// (n_layers·d_mlp, grid...), neurons layer-major (row l·d_mlp+n is neuron n of
// layer l), grid the context's probe_shape or the bare batch axis; dtype is
// the `dtype` parameter, float16 by default.
type Analyzer struct {
	layers int
	grid   []int
	dtype  sdk.DType
}

// New returns a neuron_activations analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin reads the layer count, the optional probe grid and the dtype.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	if run.Model.NLayers < 1 {
		return fmt.Errorf("%s: model config n_layers = %d", Name, run.Model.NLayers)
	}
	if run.Model.AttnOnly {
		return fmt.Errorf("%s: the model is attention-only: it has no MLP neurons", Name)
	}
	dt, err := run.Settings.String("dtype")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	switch sdk.DType(dt) {
	case sdk.Float16, sdk.Float32:
		a.dtype = sdk.DType(dt)
	default:
		return fmt.Errorf("%s: parameter %q is %q, want \"float16\" or \"float32\"", Name, "dtype", dt)
	}
	a.layers = run.Model.NLayers
	a.grid = nil
	if ps, ok := run.Context["probe_shape"]; ok {
		if ps.DType() != sdk.Int64 || ps.Rank() != 1 || ps.Len() == 0 {
			return fmt.Errorf("%s: context probe_shape is %s, want a non-empty int64 vector", Name, ps)
		}
		for i, v := range ps.Int64s() {
			if v < 1 {
				return fmt.Errorf("%s: context probe_shape dimension %d is %d", Name, i, v)
			}
			a.grid = append(a.grid, int(v))
		}
	}
	return nil
}

// transposeTile is the block edge of the [B, d] → [d, B] transpose: two
// 64×64 float32 tiles stay in L1 while rows stream.
const transposeTile = 64

// Analyze transposes each layer's hook_post [B, d_mlp] into neuron-major rows.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.layers == 0 {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	var batch, dmlp int
	var out *sdk.Tensor
	var out32 []float32
	var out16 []uint16
	for l := 0; l < a.layers; l++ {
		name := HookName(l)
		t, ok := cp.Hooks[name]
		if !ok {
			return nil, fmt.Errorf("%s: epoch %d: hook %s missing", Name, cp.Epoch, name)
		}
		if t.Rank() != 2 {
			return nil, fmt.Errorf("%s: epoch %d: hook %s has shape %s, want (batch, d_mlp) at the last position", Name, cp.Epoch, name, t.ShapeString())
		}
		s := t.Shape()
		if l == 0 {
			batch, dmlp = s[0], s[1]
			if a.grid != nil && sdk.NumElements(a.grid) != batch {
				return nil, fmt.Errorf("%s: epoch %d: probe_shape %v does not factor the batch of %d", Name, cp.Epoch, a.grid, batch)
			}
			shape := []int{a.layers * dmlp}
			if a.grid != nil {
				shape = append(shape, a.grid...)
			} else {
				shape = append(shape, batch)
			}
			out = sdk.NewTensor(a.dtype, shape...)
			if a.dtype == sdk.Float16 {
				out16 = out.Float16Bits()
			} else {
				out32 = out.Float32s()
			}
		} else if s[0] != batch || s[1] != dmlp {
			return nil, fmt.Errorf("%s: epoch %d: hook %s has shape %s, layer 0 has (%d, %d)", Name, cp.Epoch, name, t.ShapeString(), batch, dmlp)
		}
		src := t.AsFloat32()
		off := l * dmlp * batch
		for b0 := 0; b0 < batch; b0 += transposeTile {
			b1 := min(b0+transposeTile, batch)
			for n0 := 0; n0 < dmlp; n0 += transposeTile {
				n1 := min(n0+transposeTile, dmlp)
				for n := n0; n < n1; n++ {
					row := off + n*batch
					if out16 != nil {
						for b := b0; b < b1; b++ {
							out16[row+b] = sdk.Float32ToFloat16(src[b*dmlp+n])
						}
					} else {
						for b := b0; b < b1; b++ {
							out32[row+b] = src[b*dmlp+n]
						}
					}
				}
			}
		}
	}
	return &sdk.Result{Arrays: map[string]*sdk.Tensor{"activations": out}}, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
