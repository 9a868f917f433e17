// Package neuronfreq is the neuron_freq_norm analyzer: for every MLP neuron,
// the fraction of its activation variance over the (a, b) grid that each
// frequency explains. A grokked modular-addition model has most neurons
// specialized to one key frequency (Nanda et al. 2023, §5).
package neuronfreq

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "neuron_freq_norm"
	Version = "0.1.0"
)

// Analyzer implements sdk.Analyzer. Its output `norm_matrix` (float32,
// (n_freq, n_layers·d_mlp), n_freq = (p-1)/2) holds at [k-1, n] the fraction
// of neuron n's variance in the frequency-k block {0, 2k-1, 2k}² of its 2-D
// Fourier coefficients, without the (0,0) cell; see the package fourier for
// the basis. The summary counts specialized neurons (fraction ≥ threshold).
type Analyzer struct {
	tr        *fourier.Transformer
	layers    int
	threshold float64
}

// New returns a neuron_freq_norm analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin takes the Fourier basis from the context and the threshold from the
// settings.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	if run.Model.NLayers < 1 {
		return fmt.Errorf("%s: model config n_layers = %d", Name, run.Model.NLayers)
	}
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	th, err := run.Settings.Float("threshold")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if !(th > 0 && th <= 1) {
		return fmt.Errorf("%s: parameter %q is %g, want a value in (0, 1]", Name, "threshold", th)
	}
	a.tr = tr
	a.layers = run.Model.NLayers
	a.threshold = th
	return nil
}

// Bands splits frequencies 1..nf into low, mid and high thirds: k ≤ lowMax is
// low, k ≤ midMax mid, the rest high (for p = 113: 1-18, 19-37, 38-56).
func Bands(nf int) (lowMax, midMax int) { return nf / 3, 2 * nf / 3 }

// Analyze computes the fractions of every neuron of every layer.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	frac, _, dmlp, err := fourier.NeuronFractions(a.tr, cp.Hooks, a.layers)
	if err != nil {
		return nil, fmt.Errorf("%s: epoch %d: %w", Name, cp.Epoch, err)
	}
	nf := fourier.NumFreq(a.tr.P())
	m := a.layers * dmlp
	out := make([]float32, nf*m)
	perFreq := make([]int64, nf)
	lowMax, midMax := Bands(nf)
	var low, mid, high, total int64
	for k := 1; k <= nf; k++ {
		for n, v := range frac[(k-1)*m : k*m] {
			out[(k-1)*m+n] = float32(v)
			if v >= a.threshold {
				perFreq[k-1]++
				switch {
				case k <= lowMax:
					low++
				case k <= midMax:
					mid++
				default:
					high++
				}
				total++
			}
		}
	}
	return &sdk.Result{
		Arrays: map[string]*sdk.Tensor{"norm_matrix": sdk.FromFloat32(out, nf, m)},
		Summary: map[string]*sdk.Tensor{
			"specialized_per_freq": sdk.FromInt64(perFreq, nf),
			"specialized_count":    sdk.FromInt64([]int64{total}),
			"low_count":            sdk.FromInt64([]int64{low}),
			"mid_count":            sdk.FromInt64([]int64{mid}),
			"high_count":           sdk.FromInt64([]int64{high}),
		},
	}, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
