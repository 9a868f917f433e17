// Package freqquality is the fourier_frequency_quality analyzer, a secondary
// analysis of dominant_frequencies: which Fourier components of the embedding
// stand out, and how much of the ideal modular-addition table those
// components can express. The table T[a, b, c] = 1 when a + b ≡ c (mod p)
// has energy p²; its projection on span{F_i ⊗ F_j : i, j dominant} over (a,
// b) keeps 2/p of it per complete (cos k, sin k) pair, so the score rises as
// the model concentrates on a few full frequencies.
package freqquality

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/plugins/internal/secondary"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "fourier_frequency_quality"
	Version = "0.1.0"
	// Kind is the secondary tier, which sdk does not name yet.
	Kind sdk.Kind = "secondary"
)

// Source is the artifact read and Array its array: the norms of the rows of
// F·W_E[:p], indexed by basis row.
const (
	Source = "dominant_frequencies"
	Array  = "coefficients"
)

// Analyzer serves Compute through secondary.PerEpoch.
type Analyzer struct{}

// New returns a fourier_frequency_quality analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: Kind}
}

// AnalyzeAcross scores every epoch of the stacked dominant_frequencies. p is
// the length of coefficients: cross-epoch calls carry no analysis context, so
// the basis is fourier.Basis(p), the one fourier.FromTensor would accept.
func (a *Analyzer) AnalyzeAcross(_ context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	factor, err := run.Settings.Float("threshold_factor")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if !(factor > 0) {
		return nil, fmt.Errorf("%s: parameter %q is %g, want a positive factor", Name, "threshold_factor", factor)
	}
	st := inputs[Source]
	if st == nil {
		return nil, fmt.Errorf("%s: input artifact %s missing", Name, Source)
	}
	c := st.Arrays[Array]
	if c == nil || c.Rank() != 2 || c.Shape()[1] < 3 || c.Shape()[1]%2 == 0 {
		return nil, fmt.Errorf("%s: %s/%s is %v, want (epochs, p) with p odd", Name, Source, Array, c)
	}
	p := c.Shape()[1]
	basis := fourier.Basis(p)
	out, err := secondary.PerEpoch(map[string]*sdk.Stacked{Source: {Epochs: st.Epochs, Arrays: map[string]*sdk.Tensor{Array: c}}},
		func(_ int, arrays map[string]map[string]*sdk.Tensor) (*sdk.Result, error) {
			return Compute(basis, p, arrays[Source][Array].AsFloat64(), factor), nil
		})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return out, nil
}

// Compute scores one epoch's coefficients (p, by basis row): a row i ≥ 1 is
// dominant when its coefficient exceeds factor × the mean of rows 1..p-1
// (the constant row 0 is no frequency and is left out of both), and the
// score is Quality of the dominant rows.
//
//	dominant_basis_rows  bool    (p,)  the dominant rows (row 2k-1 cos k, 2k sin k)
//	quality_score        float64 ()    summary: Quality
//	reconstruction_error float64 ()    summary: 1 − quality_score
//	n_dominant           int64   ()    summary: number of dominant rows
func Compute(basis []float64, p int, coef []float64, factor float64) *sdk.Result {
	var mean float64
	for _, v := range coef[1:] {
		mean += v / float64(p-1)
	}
	mask := make([]bool, p)
	var rows []int
	for i := 1; i < p; i++ {
		if coef[i] > factor*mean {
			mask[i] = true
			rows = append(rows, i)
		}
	}
	q := Quality(basis, p, rows)
	return &sdk.Result{
		Arrays: map[string]*sdk.Tensor{"dominant_basis_rows": sdk.FromBool(mask, p)},
		Summary: map[string]*sdk.Tensor{
			"quality_score":        sdk.Scalar(q),
			"reconstruction_error": sdk.Scalar(1 - q),
			"n_dominant":           sdk.FromInt64([]int64{int64(len(rows))}),
		},
	}
}

// Quality returns the share of the ideal addition table's energy (p²) in its
// projection on span{F_i ⊗ F_j : i, j ∈ rows} over (a, b), without building
// the p³ table: contracting a with F_i gives F_i[(c − b) mod p], so the
// projection's coefficient is Σ_b F_j[b]·F_i[(c − b) mod p] for each c
// (O(|rows|²·p²)). basis is Basis(p), row-major.
func Quality(basis []float64, p int, rows []int) float64 {
	var energy float64
	for _, i := range rows {
		fi := basis[i*p : (i+1)*p]
		for _, j := range rows {
			fj := basis[j*p : (j+1)*p]
			for c := 0; c < p; c++ {
				var s float64
				for b, v := range fj {
					s += v * fi[(c-b+p)%p]
				}
				energy += s * s
			}
		}
	}
	return energy / float64(p*p)
}
