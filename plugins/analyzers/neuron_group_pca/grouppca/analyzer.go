// Package grouppca is the neuron_group_pca analyzer, a cross-epoch analysis of
// neuron_freq_norm and parameter_snapshot: the MLP neurons are grouped by
// their dominant frequency at the last epoch, and for every epoch each group's
// input weight vectors (the directions the neurons read) are summarized by a
// PCA: do the neurons of one frequency move as one coordinated unit (one
// principal axis holds their spread) or stay diffuse?
package grouppca

import (
	"context"
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/plugins/internal/neurongroups"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "neuron_group_pca"
	Version = "0.1.0"
)

// Components is the number of principal axes kept per group.
const Components = 3

// Analyzer implements sdk.CrossEpochAnalyzer; its outputs are listed in
// analyzer.json and docs/analyzers.md.
type Analyzer struct{}

// New returns a neuron_group_pca analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// AnalyzeAcross groups the neurons and runs the per-epoch PCAs.
func (a *Analyzer) AnalyzeAcross(_ context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	minSize, err := run.Settings.Int("min_group_size")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if minSize < 2 {
		return nil, fmt.Errorf("%s: parameter %q is %d, want at least 2", Name, "min_group_size", minSize)
	}
	d, err := neurongroups.Load(Name, inputs, minSize)
	if err != nil {
		return nil, err
	}
	E, G, N, dm := len(d.Epochs), len(d.Groups), d.N, d.DModel
	pcVar := make([]float64, E*G*Components)
	spread := make([]float64, E*G)
	proj := make([]float64, E*N*Components)
	for i := range proj {
		proj[i] = math.NaN()
	}
	bases, centers, err := finalBases(d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	for e := 0; e < E; e++ {
		in := d.In(e)
		for gi, g := range d.Groups {
			rows := gather(in, g.Members, dm)
			v, s, err := groupStats(rows, len(g.Members), dm)
			if err != nil {
				return nil, fmt.Errorf("%s: epoch %d, frequency %d: %w", Name, d.Epochs[e], g.Freq, err)
			}
			copy(pcVar[(e*G+gi)*Components:], v)
			spread[e*G+gi] = s
			for _, n := range g.Members {
				w := in[n*dm : (n+1)*dm]
				for c := 0; c < Components; c++ {
					var x float64
					for j, b := range bases[(gi*Components+c)*dm : (gi*Components+c+1)*dm] {
						x += (w[j] - centers[gi*dm+j]) * b
					}
					proj[(e*N+n)*Components+c] = x
				}
			}
		}
	}
	freqs, sizes := d.GroupFreqs()
	return map[string]*sdk.Tensor{
		"epochs":           sdk.FromInt64(d.Epochs, E),
		"group_freqs":      sdk.FromInt64(freqs, G),
		"group_sizes":      sdk.FromInt64(sizes, G),
		"neuron_group_idx": sdk.FromInt64(d.IndexInt64(), N),
		"pc_var":           sdk.FromFloat64(pcVar, E, G, Components),
		"mean_spread":      sdk.FromFloat64(spread, E, G),
		"group_bases":      sdk.FromFloat64(bases, G, Components, dm),
		"group_centers":    sdk.FromFloat64(centers, G, dm),
		"projections":      sdk.FromFloat64(proj, E, N, Components),
	}, nil
}

// gather returns the rows of x (laid out ?×d) at idx, in order.
func gather(x []float64, idx []int, d int) []float64 {
	out := make([]float64, 0, len(idx)*d)
	for _, n := range idx {
		out = append(out, x[n*d:(n+1)*d]...)
	}
	return out
}

// groupStats returns the variance fractions of a group's top Components
// principal axes (NaN beyond min(members, d) axes, all NaN when the members
// coincide) and the mean distance of the members to their centroid.
func groupStats(rows []float64, n, d int) ([]float64, float64, error) {
	g := stats.NewGram(n)
	g.AddFloat64(rows, d)
	pca, err := stats.GramPCA(g, min(Components, d))
	if err != nil {
		return nil, 0, err
	}
	v := make([]float64, Components)
	for c := range v {
		v[c] = math.NaN()
		if pca.TotalVariance > 0 && c < min(n, d) {
			v[c] = pca.VarianceRatio[c]
		}
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, x := range rows[i*d : (i+1)*d] {
			mean[j] += x / float64(n)
		}
	}
	var spread float64
	for i := 0; i < n; i++ {
		var sq float64
		for j, x := range rows[i*d : (i+1)*d] {
			sq += (x - mean[j]) * (x - mean[j])
		}
		spread += math.Sqrt(sq) / float64(n)
	}
	return v, spread, nil
}

// finalBases returns each group's top Components principal axes at the last
// epoch as rows ([G, Components, d_model]; an axis holding no variance,
// beyond the group's rank, has no direction and is 0) and its centroid
// ([G, d_model]).
func finalBases(d *neurongroups.Data) (bases, centers []float64, err error) {
	dm := d.DModel
	in := d.In(len(d.Epochs) - 1)
	bases = make([]float64, len(d.Groups)*Components*dm)
	centers = make([]float64, len(d.Groups)*dm)
	for gi, g := range d.Groups {
		n := len(g.Members)
		b, err := stats.FitPCAAxes(gather(in, g.Members, dm), n, dm, Components)
		if err != nil {
			return nil, nil, fmt.Errorf("last epoch, frequency %d: %w", g.Freq, err)
		}
		copy(centers[gi*dm:], b.Mean)
		for c := 0; c < b.K(); c++ {
			if !(b.VarianceRatio[c] > 1e-12) {
				continue
			}
			for j := 0; j < dm; j++ {
				bases[(gi*Components+c)*dm+j] = b.Basis.At(j, c)
			}
		}
	}
	return bases, centers, nil
}
