// Package groupgeom is the freq_group_weight_geometry analyzer, a cross-epoch
// analysis of neuron_freq_norm and parameter_snapshot: repr_geometry's class
// geometry applied to the MLP neurons, grouped by dominant frequency at the
// last epoch, in weight space (W_in columns, the directions the neurons read;
// W_out rows, what they write). Do the frequency groups become distinct
// clusters, and do their centroids form a ring, as the classes do in
// activation space?
package groupgeom

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/plugins/internal/neurongroups"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "freq_group_weight_geometry"
	Version = "0.1.0"
)

// Analyzer implements sdk.CrossEpochAnalyzer; its outputs are listed in
// analyzer.json and docs/analyzers.md.
type Analyzer struct{}

// New returns a freq_group_weight_geometry analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// space is one weight space: its array prefix and the neurons' vectors.
type space struct {
	prefix  string
	vectors func(d *neurongroups.Data, e int) []float64
}

var spaces = []space{
	{"Win", (*neurongroups.Data).In},
	{"Wout", (*neurongroups.Data).Out},
}

// AnalyzeAcross groups the neurons and measures both spaces at every epoch.
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
	E, G, dm := len(d.Epochs), len(d.Groups), d.DModel
	freqs, sizes := d.GroupFreqs()
	out := map[string]*sdk.Tensor{
		"epochs":      sdk.FromInt64(d.Epochs, E),
		"group_freqs": sdk.FromInt64(freqs, G),
		"group_sizes": sdk.FromInt64(sizes, G),
	}
	for _, sp := range spaces {
		cent := make([]float64, E*G*dm)
		radii, dims := make([]float64, E*G), make([]float64, E*G)
		scalars := map[string][]float64{}
		for _, s := range scalarNames {
			scalars[s] = make([]float64, E)
		}
		for e := 0; e < E; e++ {
			g, err := stats.MeasureClasses(sp.vectors(d, e), dm, d.Index, G)
			if err != nil {
				return nil, fmt.Errorf("%s: epoch %d, %s: %w", Name, d.Epochs[e], sp.prefix, err)
			}
			copy(cent[e*G*dm:], g.Centroids)
			copy(radii[e*G:], g.Radii)
			copy(dims[e*G:], g.Dimensionality)
			for s, v := range map[string]float64{
				"center_spread": g.CenterSpread, "mean_radius": g.MeanRadius, "snr": g.SNR,
				"fisher_mean": g.Fisher.Mean, "fisher_min": g.Fisher.Min, "circularity": g.Ring.Circularity,
			} {
				scalars[s][e] = v
			}
		}
		p := sp.prefix + "_"
		out[p+"centroids"] = sdk.FromFloat64(cent, E, G, dm)
		out[p+"radii"] = sdk.FromFloat64(radii, E, G)
		out[p+"dimensionality"] = sdk.FromFloat64(dims, E, G)
		for s, v := range scalars {
			out[p+s] = sdk.FromFloat64(v, E)
		}
	}
	return out, nil
}

// scalarNames are the per-epoch statistics of each space.
var scalarNames = []string{"center_spread", "mean_radius", "snr", "fisher_mean", "fisher_min", "circularity"}
