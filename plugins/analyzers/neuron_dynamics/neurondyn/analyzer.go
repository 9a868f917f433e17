// Package neurondyn is the neuron_dynamics analyzer, a cross-epoch analysis
// of neuron_freq_norm: which frequency each MLP neuron is dominated by at
// each checkpoint, how often that changes, and from which checkpoint on each
// neuron stays committed to its final frequency.
package neurondyn

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "neuron_dynamics"
	Version = "0.1.0"
)

// Source is the artifact the analyzer reads and Array the array in it.
const (
	Source = "neuron_freq_norm"
	Array  = "norm_matrix"
)

// Analyzer implements sdk.CrossEpochAnalyzer. From norm_matrix stacked over E
// epochs ((E, n_freq, N)) it returns:
//
//	epochs               int64   (E,)
//	dominant_frequency   int64   (E, N)  argmax_k fraction (1-based); 0 for a neuron with no variance
//	dominant_fraction    float32 (E, N)  that fraction
//	switch_count         int64   (N,)    consecutive checkpoints whose dominant frequency differs
//	commitment_epoch     int64   (N,)    first epoch from which on the dominant frequency is the final one
//	                                     and its fraction ≥ threshold at every later checkpoint; -1 if none
//	committed_frequency  int64   (N,)    the final dominant frequency of committed neurons, else 0
//	committed_count      int64   (E,)    neurons whose commitment epoch is at or before each epoch
type Analyzer struct{}

// New returns a neuron_dynamics analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// AnalyzeAcross computes the dynamics from the stacked neuron_freq_norm.
func (a *Analyzer) AnalyzeAcross(_ context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	th, err := run.Settings.Float("threshold")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if !(th >= 0 && th <= 1) {
		return nil, fmt.Errorf("%s: parameter %q is %g, want a value in [0, 1]", Name, "threshold", th)
	}
	st, ok := inputs[Source]
	if !ok || st == nil {
		return nil, fmt.Errorf("%s: input artifact %s missing", Name, Source)
	}
	nm, ok := st.Arrays[Array]
	if !ok {
		return nil, fmt.Errorf("%s: input artifact %s has no array %s", Name, Source, Array)
	}
	sh := nm.Shape()
	if nm.Rank() != 3 || sh[0] < 1 || sh[1] < 1 || sh[2] < 1 {
		return nil, fmt.Errorf("%s: %s/%s has shape %s, want (epochs, n_freq, neurons)", Name, Source, Array, nm.ShapeString())
	}
	E, nf, N := sh[0], sh[1], sh[2]
	if len(st.Epochs) != E {
		return nil, fmt.Errorf("%s: %s lists %d epochs but %s stacks %d", Name, Source, len(st.Epochs), Array, E)
	}
	epochs := make([]int64, E)
	for i, e := range st.Epochs {
		if i > 0 && e <= st.Epochs[i-1] {
			return nil, fmt.Errorf("%s: %s epochs are not ascending (%d after %d)", Name, Source, e, st.Epochs[i-1])
		}
		epochs[i] = int64(e)
	}
	frac := nm.AsFloat32() // a view for float32 artifacts: no copy of (E, n_freq, N)
	dom := make([]int64, E*N)
	domFrac := make([]float32, E*N)
	best := make([]float32, N)
	for e := 0; e < E; e++ {
		m := frac[e*nf*N : (e+1)*nf*N]
		d := dom[e*N : (e+1)*N]
		clear(best)
		// Frequencies outer, neurons inner: rows of norm_matrix stream.
		for k := 0; k < nf; k++ {
			for n, v := range m[k*N : (k+1)*N] {
				if v > best[n] {
					best[n], d[n] = v, int64(k+1)
				}
			}
		}
		for n, v := range best {
			domFrac[e*N+n] = v
		}
	}
	switches := make([]int64, N)
	commit := make([]int64, N)
	commitFreq := make([]int64, N)
	committed := make([]int64, E)
	for n := 0; n < N; n++ {
		for e := 1; e < E; e++ {
			if dom[e*N+n] != dom[(e-1)*N+n] {
				switches[n]++
			}
		}
		final := dom[(E-1)*N+n]
		first := E // index of the first epoch of the committed tail
		for e := E - 1; e >= 0; e-- {
			if final == 0 || dom[e*N+n] != final || float64(domFrac[e*N+n]) < th {
				break
			}
			first = e
		}
		commit[n] = -1
		if first < E {
			commit[n], commitFreq[n] = epochs[first], final
			for e := first; e < E; e++ {
				committed[e]++
			}
		}
	}
	return map[string]*sdk.Tensor{
		"epochs":              sdk.FromInt64(epochs, E),
		"dominant_frequency":  sdk.FromInt64(dom, E, N),
		"dominant_fraction":   sdk.FromFloat32(domFrac, E, N),
		"switch_count":        sdk.FromInt64(switches, N),
		"commitment_epoch":    sdk.FromInt64(commit, N),
		"committed_frequency": sdk.FromInt64(commitFreq, N),
		"committed_count":     sdk.FromInt64(committed, E),
	}, nil
}
