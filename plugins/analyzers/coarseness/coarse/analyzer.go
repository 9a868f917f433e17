// Package coarse is the coarseness analyzer: per MLP neuron, the share of its
// activation variance over the (a, b) grid that the lowest frequencies
// explain.
//
// Why: looking at neuron grids, grokking models grow "blob" neurons (large
// coherent regions, low frequencies) while a model that fails to generalize
// keeps "plaid" neurons (fine checkerboards, energy spread over many
// frequencies); the reference project introduced this number to track that
// distinction over training. Defined on the modular Fourier basis (not a 2-D
// FFT of the grid) so that it is the sum of neuron_freq_norm's rows:
//
//	coarseness[n] = Σ_{k=1..n_low_freqs} norm_matrix[k-1, n]  ∈ [0, 1].
package coarse

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "coarseness"
	Version = "0.1.0"
)

// HistBins is the number of equal bins over [0, 1] of the coarseness_hist
// summary.
const HistBins = 20

// Analyzer implements sdk.Analyzer. Its output `coarseness` (float32,
// (n_layers·d_mlp,), neurons layer-major) is defined in the package
// documentation; the summary describes its distribution over neurons.
type Analyzer struct {
	tr      *fourier.Transformer
	layers  int
	nLow    int
	blobMin float64
}

// New returns a coarseness analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin takes the Fourier basis from the context and n_low_freqs and
// blob_threshold from the settings.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	if run.Model.NLayers < 1 {
		return fmt.Errorf("%s: model config n_layers = %d", Name, run.Model.NLayers)
	}
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	p := tr.P()
	nLow, err := run.Settings.Int("n_low_freqs")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if nLow < 1 || nLow > fourier.NumFreq(p) {
		return fmt.Errorf("%s: parameter %q is %d, want 1..%d (the frequencies of p = %d)", Name, "n_low_freqs", nLow, fourier.NumFreq(p), p)
	}
	blob, err := run.Settings.Float("blob_threshold")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if !(blob >= 0 && blob <= 1) {
		return fmt.Errorf("%s: parameter %q is %g, want a value in [0, 1]", Name, "blob_threshold", blob)
	}
	a.tr = tr
	a.layers, a.nLow, a.blobMin = run.Model.NLayers, nLow, blob
	return nil
}

// Analyze computes every neuron's coarseness and its distribution.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	frac, _, dmlp, err := fourier.NeuronFractions(a.tr, cp.Hooks, a.layers)
	if err != nil {
		return nil, fmt.Errorf("%s: epoch %d: %w", Name, cp.Epoch, err)
	}
	m := a.layers * dmlp
	c := make([]float64, m)
	for k := 0; k < a.nLow; k++ {
		for n, v := range frac[k*m : (k+1)*m] {
			c[n] += v
		}
	}
	out := make([]float32, m)
	hist := make([]int64, HistBins)
	var blobs int64
	var sum float64
	for n, v := range c {
		v = math.Min(v, 1) // rounding can leave a pure low-frequency neuron at 1+1e-16
		c[n] = v
		out[n] = float32(v)
		sum += v
		if v >= a.blobMin {
			blobs++
		}
		// numpy.histogram(range=(0, 1)): bins are half-open but the last
		// is closed, so 1.0 lands in the last bin.
		hist[min(int(v*HistBins), HistBins-1)]++
	}
	mean := sum / float64(m)
	var ss float64
	for _, v := range c {
		ss += (v - mean) * (v - mean)
	}
	slices.Sort(c)
	scalar := func(v float64) *sdk.Tensor { return sdk.Scalar(v) }
	return &sdk.Result{
		Arrays: map[string]*sdk.Tensor{"coarseness": sdk.FromFloat32(out, m)},
		Summary: map[string]*sdk.Tensor{
			"mean_coarseness":   scalar(mean),
			"std_coarseness":    scalar(math.Sqrt(ss / float64(m))),
			"median_coarseness": scalar(Quantile(c, 0.5)),
			"p25_coarseness":    scalar(Quantile(c, 0.25)),
			"p75_coarseness":    scalar(Quantile(c, 0.75)),
			"blob_count":        sdk.FromInt64([]int64{blobs}),
			"coarseness_hist":   sdk.FromInt64(hist, HistBins),
		},
	}, nil
}

// Quantile returns the q-quantile of the ascending values s with linear
// interpolation between order statistics (numpy.percentile's default). It
// panics if s is empty.
func Quantile(s []float64, q float64) float64 {
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
