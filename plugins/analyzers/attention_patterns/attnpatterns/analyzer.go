// Package attnpatterns is the attention_patterns analyzer: every head's
// attention pattern over every (query, key) position pair, for every input of
// the probe, laid out as a grid over the probe when the family gives one.
package attnpatterns

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "attention_patterns"
	Version = "0.1.0"
)

// Analyzer implements sdk.Analyzer. Its output `patterns` is float32 of shape
// (n_layers·n_heads, n_q, n_k, grid...), heads layer-major (row l·n_heads+h is
// head h of layer l), where grid is the context's probe_shape (e.g. (p, p),
// probe row k = (a = k / p, b = k % p)) or the bare batch axis without one.
// For the 1-layer calibration model at p = 113 that is (4, 3, 3, 113, 113),
// the reference project's shape.
type Analyzer struct {
	layers int
	grid   []int // nil: keep the batch axis flat
}

// New returns an attention_patterns analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin reads the layer count and the optional probe grid.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	if run.Model.NLayers < 1 {
		return fmt.Errorf("%s: model config n_layers = %d", Name, run.Model.NLayers)
	}
	a.layers = run.Model.NLayers
	a.grid = nil
	if ps, ok := run.Context["probe_shape"]; ok {
		grid, err := probeShape(ps)
		if err != nil {
			return fmt.Errorf("%s: context probe_shape: %w", Name, err)
		}
		a.grid = grid
	}
	return nil
}

func probeShape(t *sdk.Tensor) ([]int, error) {
	if t.DType() != sdk.Int64 || t.Rank() != 1 || t.Len() == 0 {
		return nil, fmt.Errorf("is %s, want a non-empty int64 vector", t)
	}
	grid := make([]int, t.Len())
	for i, v := range t.Int64s() {
		if v < 1 {
			return nil, fmt.Errorf("dimension %d is %d", i, v)
		}
		grid[i] = int(v)
	}
	return grid, nil
}

// HookName returns the TransformerLens hook the analyzer reads for layer l.
func HookName(l int) string { return fmt.Sprintf("blocks.%d.attn.hook_pattern", l) }

// Analyze rearranges each layer's hook_pattern [B, n_heads, n_q, n_k] into
// `patterns`.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.layers == 0 {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	var batch, heads, nq, nk int
	var out []float32
	for l := 0; l < a.layers; l++ {
		name := HookName(l)
		t, ok := cp.Hooks[name]
		if !ok {
			return nil, fmt.Errorf("%s: epoch %d: hook %s missing", Name, cp.Epoch, name)
		}
		s := t.Shape()
		if t.Rank() != 4 {
			return nil, fmt.Errorf("%s: epoch %d: hook %s has shape %s, want [batch, n_heads, n_q, n_k]", Name, cp.Epoch, name, t.ShapeString())
		}
		if l == 0 {
			batch, heads, nq, nk = s[0], s[1], s[2], s[3]
			if a.grid != nil && sdk.NumElements(a.grid) != batch {
				return nil, fmt.Errorf("%s: epoch %d: probe_shape %v does not factor the batch of %d", Name, cp.Epoch, a.grid, batch)
			}
			out = make([]float32, a.layers*heads*nq*nk*batch)
		} else if s[0] != batch || s[1] != heads || s[2] != nq || s[3] != nk {
			return nil, fmt.Errorf("%s: epoch %d: hook %s has shape %s, layer 0 has (%d, %d, %d, %d)", Name, cp.Epoch, name, t.ShapeString(), batch, heads, nq, nk)
		}
		src := t.AsFloat32()
		block := heads * nq * nk // one input's pattern for this layer
		dst := out[l*block*batch : (l+1)*block*batch]
		// [B, block] -> [block, B]: a transpose, written row by row so the
		// stores stream.
		for j := 0; j < block; j++ {
			row := dst[j*batch : (j+1)*batch]
			for b := range row {
				row[b] = src[b*block+j]
			}
		}
	}
	shape := []int{a.layers * heads, nq, nk}
	if a.grid != nil {
		shape = append(shape, a.grid...)
	} else {
		shape = append(shape, batch)
	}
	return &sdk.Result{Arrays: map[string]*sdk.Tensor{"patterns": sdk.FromFloat32(out, shape...)}}, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
