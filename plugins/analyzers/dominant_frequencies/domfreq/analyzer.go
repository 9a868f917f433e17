// Package domfreq is the dominant_frequencies analyzer: how strongly the
// token embedding of each residue 0..p-1 projects on each Fourier component.
// A model that has learned the modular-addition algorithm concentrates its
// embedding on a few key frequencies (Nanda et al. 2023, fig. 3).
package domfreq

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "dominant_frequencies"
	Version = "0.1.0"
)

// WeightName is the embedding the analyzer reads.
const WeightName = "embed.W_E"

// Analyzer implements sdk.Analyzer. Its output `coefficients` (float32, (p,))
// holds, for each row i of the Fourier basis F, the norm ‖(F·W_E[:p])[i, :]‖
// over d_model: index 0 is the constant component, 2k-1 and 2k the cos and
// sin of frequency k.
type Analyzer struct {
	tr *fourier.Transformer
}

// New returns a dominant_frequencies analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin takes the Fourier basis from the family's context.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	a.tr = tr
	return nil
}

// Analyze projects the first p rows of embed.W_E on the Fourier basis.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	p := a.tr.P()
	we, ok := cp.Weights[WeightName]
	if !ok {
		return nil, fmt.Errorf("%s: epoch %d: weight %s missing", Name, cp.Epoch, WeightName)
	}
	sh := we.Shape()
	if we.Rank() != 2 || sh[0] < p || sh[1] < 1 {
		return nil, fmt.Errorf("%s: epoch %d: weight %s has shape %s, want (d_vocab ≥ %d, d_model)", Name, cp.Epoch, WeightName, we.ShapeString(), p)
	}
	d := sh[1]
	src := we.AsFloat64()[:p*d] // rows 0..p-1: the residues; later rows (e.g. "=") are not on Z_p
	dst := make([]float64, p*d)
	a.tr.Transform1D(dst, src, d)
	norms := make([]float64, p)
	fourier.RowNorms(norms, dst, d)
	out := make([]float32, p)
	for i, v := range norms {
		out[i] = float32(v)
	}
	return &sdk.Result{Arrays: map[string]*sdk.Tensor{"coefficients": sdk.FromFloat32(out, p)}}, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
