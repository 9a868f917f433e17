// Package attnfreq is the attention_freq analyzer: for every attention head,
// how the attention paid from the last position ("=") to one key position
// (by default 0, the token a) varies over the (a, b) grid, decomposed into
// frequencies of Z_p. In a grokked model the heads attend with a few key
// frequencies.
package attnfreq

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "attention_freq"
	Version = "0.1.0"
)

// HookName returns the hook the analyzer reads for layer l.
func HookName(l int) string { return fmt.Sprintf("blocks.%d.attn.hook_pattern", l) }

// Analyzer implements sdk.Analyzer. Its output `freq_matrix` (float32,
// (n_freq, n_layers·n_heads)) holds at [k-1, h] the fraction of the variance
// of head h's attention grid (pattern[a*p+b, h, key] at the last query) in
// the frequency-k block, as neuron_freq_norm defines it for neurons. Heads
// are layer-major.
type Analyzer struct {
	tr     *fourier.Transformer
	layers int
	key    int
}

// New returns an attention_freq analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin takes the Fourier basis from the context and the key position from
// the settings.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	if run.Model.NLayers < 1 {
		return fmt.Errorf("%s: model config n_layers = %d", Name, run.Model.NLayers)
	}
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	key, err := run.Settings.Int("key_position")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if key < 0 || (run.Model.NCtx > 0 && key >= run.Model.NCtx) {
		return fmt.Errorf("%s: parameter %q is %d, want a position in [0, n_ctx = %d)", Name, "key_position", key, run.Model.NCtx)
	}
	a.tr = tr
	a.layers = run.Model.NLayers
	a.key = key
	return nil
}

// Analyze decomposes every head's attention grid.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	p := a.tr.P()
	nf := fourier.NumFreq(p)
	var heads int
	var grids []float64 // [p², layers*heads]
	for l := 0; l < a.layers; l++ {
		name := HookName(l)
		t, ok := cp.Hooks[name]
		if !ok {
			return nil, fmt.Errorf("%s: epoch %d: hook %s missing", Name, cp.Epoch, name)
		}
		s := t.Shape()
		if t.Rank() != 3 || s[0] != p*p {
			return nil, fmt.Errorf("%s: epoch %d: hook %s has shape %s, want (p² = %d, n_heads, n_k) at the last query", Name, cp.Epoch, name, t.ShapeString(), p*p)
		}
		if a.key >= s[2] {
			return nil, fmt.Errorf("%s: epoch %d: key_position %d is beyond hook %s's %d keys", Name, cp.Epoch, a.key, name, s[2])
		}
		if l == 0 {
			heads = s[1]
			grids = make([]float64, p*p*a.layers*heads)
		} else if s[1] != heads {
			return nil, fmt.Errorf("%s: epoch %d: hook %s has %d heads, layer 0 has %d", Name, cp.Epoch, name, s[1], heads)
		}
		src := t.AsFloat32()
		m, nk := a.layers*heads, s[2]
		for r := 0; r < p*p; r++ {
			for h := 0; h < heads; h++ {
				grids[r*m+l*heads+h] = float64(src[(r*heads+h)*nk+a.key])
			}
		}
	}
	m := a.layers * heads
	frac := make([]float64, nf*m)
	fourier.GridFractions(a.tr, frac, nil, grids, m)
	out := make([]float32, nf*m)
	dom := make([]int64, m)
	domFrac := make([]float64, m)
	for i, v := range frac {
		out[i] = float32(v)
		if h := i % m; v > domFrac[h] {
			domFrac[h], dom[h] = v, int64(i/m+1)
		}
	}
	return &sdk.Result{
		Arrays: map[string]*sdk.Tensor{"freq_matrix": sdk.FromFloat32(out, nf, m)},
		Summary: map[string]*sdk.Tensor{
			"dominant_frequency": sdk.FromInt64(dom, m),
			"dominant_fraction":  sdk.FromFloat64(domFrac, m),
		},
	}, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
