// Package transient is the transient_frequency analyzer, a cross-epoch
// analysis of neuron_dynamics' output: frequencies that gather a cohort of
// committed neurons during training but lose it by the end (transients), the
// epoch of their peak, and how many of the peak cohort end up specialized to
// nothing ("homeless" neurons).
package transient

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "transient_frequency"
	Version = "0.1.0"
)

// Source is the input: neuron_dynamics' cross_epoch.npz, with its arrays
// epochs (E,), dominant_frequency (E, N) int64 (1-based, 0 for no variance)
// and dominant_fraction (E, N) float32.
const Source = "neuron_dynamics/cross_epoch"

// Analyzer implements sdk.CrossEpochAnalyzer; see Find.
type Analyzer struct{}

// New returns a transient_frequency analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// Thresholds are the analyzer's parameters.
type Thresholds struct {
	Neuron    float64 // a neuron is committed to its dominant frequency at fraction ≥ Neuron
	Transient float64 // a frequency qualifies when its committed count ever reaches Transient·N
	Final     float64 // and is final when its count at the last epoch reaches Final·N
}

// AnalyzeAcross reads neuron_dynamics' output and finds the transients.
func (a *Analyzer) AnalyzeAcross(_ context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	var th Thresholds
	for _, s := range []struct {
		name string
		dst  *float64
	}{{"neuron_threshold", &th.Neuron}, {"transient_threshold", &th.Transient}, {"final_threshold", &th.Final}} {
		v, err := run.Settings.Float(s.name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Name, err)
		}
		if !(v > 0 && v <= 1) {
			return nil, fmt.Errorf("%s: parameter %q is %g, want a value in (0, 1]", Name, s.name, v)
		}
		*s.dst = v
	}
	st := inputs[Source]
	if st == nil {
		return nil, fmt.Errorf("%s: input %s missing", Name, Source)
	}
	dom, frac := st.Arrays["dominant_frequency"], st.Arrays["dominant_fraction"]
	if dom == nil || dom.DType() != sdk.Int64 || dom.Rank() != 2 || dom.Shape()[0] < 1 {
		return nil, fmt.Errorf("%s: %s/dominant_frequency is %v, want int64 (epochs, neurons)", Name, Source, dom)
	}
	E, N := dom.Shape()[0], dom.Shape()[1]
	if frac == nil || frac.Rank() != 2 || frac.Shape()[0] != E || frac.Shape()[1] != N {
		return nil, fmt.Errorf("%s: %s/dominant_fraction is %v, want (%d, %d) like dominant_frequency", Name, Source, frac, E, N)
	}
	epochs := st.Arrays["epochs"]
	if epochs == nil || epochs.Len() != E {
		return nil, fmt.Errorf("%s: %s/epochs is %v, want %d epochs", Name, Source, epochs, E)
	}
	ep := make([]int64, E)
	for i, v := range epochs.AsFloat64() {
		ep[i] = int64(v)
	}
	r := Find(dom.Int64s(), frac.AsFloat64(), E, N, th)
	T := len(r.Freqs)
	peakEpoch := make([]int64, T)
	for i, e := range r.PeakIndex {
		peakEpoch[i] = ep[e]
	}
	return map[string]*sdk.Tensor{
		"epochs":               sdk.FromInt64(ep, E),
		"ever_qualified_freqs": sdk.FromInt64(r.Freqs, T),
		"is_final":             sdk.FromBool(r.IsFinal, T),
		"peak_epoch":           sdk.FromInt64(peakEpoch, T),
		"peak_count":           sdk.FromInt64(r.PeakCount, T),
		"homeless_count":       sdk.FromInt64(r.Homeless, T),
		"committed_counts":     sdk.FromInt64(r.Counts, E, T),
		"peak_members_flat":    sdk.FromInt64(r.Members, len(r.Members)),
		"peak_members_offsets": sdk.FromInt64(r.Offsets, T+1),
	}, nil
}

// Result lists the qualifying frequencies, ascending.
type Result struct {
	Freqs     []int64 // frequencies whose committed count ever reaches Transient·N
	IsFinal   []bool  // whose count at the last epoch reaches Final·N
	PeakIndex []int   // epoch index of the largest count (the first on ties)
	PeakCount []int64
	Homeless  []int64 // peak members whose fraction at the last epoch is below Neuron
	Counts    []int64 // [E, len(Freqs)] committed count per epoch
	Members   []int64 // the peak cohorts, concatenated
	Offsets   []int64 // cohort i is Members[Offsets[i]:Offsets[i+1]]
}

// Find counts, per epoch and frequency, the neurons committed to it
// (dominant frequency k ≥ 1 with fraction ≥ th.Neuron) from dom and frac
// (laid out [E, N]) and keeps the frequencies whose count ever reaches
// th.Transient·N. Those whose last count is below th.Final·N are the
// transients.
func Find(dom []int64, frac []float64, E, N int, th Thresholds) *Result {
	var nf int64
	for _, k := range dom {
		nf = max(nf, k)
	}
	counts := make([]int64, E*int(nf+1)) // [E, k], k = 0 unused
	for e := 0; e < E; e++ {
		for n := 0; n < N; n++ {
			if k := dom[e*N+n]; k > 0 && frac[e*N+n] >= th.Neuron {
				counts[e*int(nf+1)+int(k)]++
			}
		}
	}
	r := &Result{Offsets: []int64{0}}
	for k := int64(1); k <= nf; k++ {
		peak, at := int64(-1), 0
		for e := 0; e < E; e++ {
			if c := counts[e*int(nf+1)+int(k)]; c > peak {
				peak, at = c, e
			}
		}
		if float64(peak) < th.Transient*float64(N) || peak == 0 {
			continue
		}
		r.Freqs = append(r.Freqs, k)
		r.IsFinal = append(r.IsFinal, float64(counts[(E-1)*int(nf+1)+int(k)]) >= th.Final*float64(N))
		r.PeakIndex = append(r.PeakIndex, at)
		r.PeakCount = append(r.PeakCount, peak)
		var homeless int64
		for n := 0; n < N; n++ {
			if dom[at*N+n] == k && frac[at*N+n] >= th.Neuron {
				r.Members = append(r.Members, int64(n))
				if frac[(E-1)*N+n] < th.Neuron {
					homeless++
				}
			}
		}
		r.Homeless = append(r.Homeless, homeless)
		r.Offsets = append(r.Offsets, int64(len(r.Members)))
	}
	T := len(r.Freqs)
	r.Counts = make([]int64, E*T)
	for e := 0; e < E; e++ {
		for i, k := range r.Freqs {
			r.Counts[e*T+i] = counts[e*int(nf+1)+int(k)]
		}
	}
	return r
}
