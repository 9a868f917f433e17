// Package neuronfourier is the neuron_fourier analyzer, a secondary analysis
// of parameter_snapshot: per MLP neuron, the Fourier magnitude and phase of
// its effective input over the residue tokens, θ_m = W_E[:p]·W_in[:, m], and
// of its effective output over the answers, ξ_m = W_out[m, :]·W_U, at every
// frequency (He et al. 2026's per-neuron decomposition: a neuron of the
// Fourier algorithm reads and writes one frequency with related phases).
package neuronfourier

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/plugins/internal/secondary"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "neuron_fourier"
	Version = "0.1.0"
	// Kind is the secondary tier, which sdk does not name yet.
	Kind sdk.Kind = "secondary"
)

// Source is the artifact read, and the weights taken from it (layer 0: the
// embedding feeds it, the unembedding reads it in the 1-layer model).
const (
	Source = "parameter_snapshot"
	WE     = "embed.W_E"
	WIn    = "blocks.0.mlp.W_in"
	WOut   = "blocks.0.mlp.W_out"
	WU     = "unembed.W_U"
)

// Analyzer serves Compute through secondary.PerEpoch.
type Analyzer struct{}

// New returns a neuron_fourier analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: Kind}
}

// AnalyzeAcross computes every epoch of the stacked parameter_snapshot. The
// modulus p is the unembedding's width (d_vocab_out): cross-epoch calls carry
// no analysis context, so the basis is fourier.Basis(p), the one
// fourier.FromTensor would accept from the family.
func (a *Analyzer) AnalyzeAcross(_ context.Context, _ *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	st := inputs[Source]
	if st == nil {
		return nil, fmt.Errorf("%s: input artifact %s missing", Name, Source)
	}
	wu := st.Arrays[WU]
	if wu == nil || wu.Rank() != 3 || wu.Shape()[2] < 3 || wu.Shape()[2]%2 == 0 {
		return nil, fmt.Errorf("%s: %s/%s is %v, want (epochs, d_model, p) with p odd", Name, Source, WU, wu)
	}
	p := wu.Shape()[2]
	tr := fourier.NewTransformer(fourier.Basis(p), p)
	out, err := secondary.PerEpoch(map[string]*sdk.Stacked{Source: st}, func(_ int, arrays map[string]map[string]*sdk.Tensor) (*sdk.Result, error) {
		return Compute(tr, arrays[Source])
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return out, nil
}

// Compute decomposes one epoch's weights (state-dict names, as
// parameter_snapshot stores them): with F the Fourier basis and N = d_mlp,
//
//	alpha_mk, phi_mk  (N, n_freq) float32: magnitude and phase of F·θ_m at k
//	beta_mk,  psi_mk  (N, n_freq) float32: the same for F·ξ_m
//
// phase = atan2(−C_sin, C_cos) (fourier.PairPolar), so that θ_m(x) ≈
// Σ_k alpha·√(2/p)·cos(2πkx/p + phi).
func Compute(tr *fourier.Transformer, w map[string]*sdk.Tensor) (*sdk.Result, error) {
	p := tr.P()
	we, win, wout, wu := w[WE], w[WIn], w[WOut], w[WU]
	if we == nil || we.Rank() != 2 || we.Shape()[0] < p {
		return nil, fmt.Errorf("%s/%s is %v, want (d_vocab ≥ p = %d, d_model)", Source, WE, we, p)
	}
	dModel := we.Shape()[1]
	if win == nil || win.Rank() != 2 || win.Shape()[0] != dModel {
		return nil, fmt.Errorf("%s/%s is %v, want (d_model = %d, d_mlp)", Source, WIn, win, dModel)
	}
	n := win.Shape()[1]
	if wout == nil || wout.Rank() != 2 || wout.Shape()[0] != n || wout.Shape()[1] != dModel {
		return nil, fmt.Errorf("%s/%s is %v, want (d_mlp = %d, d_model = %d)", Source, WOut, wout, n, dModel)
	}
	if wu == nil || wu.Rank() != 2 || wu.Shape()[0] != dModel || wu.Shape()[1] != p {
		return nil, fmt.Errorf("%s/%s is %v, want (d_model = %d, d_vocab_out = p = %d)", Source, WU, wu, dModel, p)
	}
	// θ = W_E[:p]·W_in ([p, N]) and ξᵀ = (W_out·W_U)ᵀ = W_Uᵀ·W_outᵀ ([p, N]).
	theta := make([]float64, p*n)
	e, in := we.AsFloat32(), win.AsFloat32()
	for x := 0; x < p; x++ {
		for d, ev := range e[x*dModel : (x+1)*dModel] {
			for m, v := range in[d*n : (d+1)*n] {
				theta[x*n+m] += float64(ev) * float64(v)
			}
		}
	}
	xi := make([]float64, p*n)
	u, out := wu.AsFloat32(), wout.AsFloat32()
	for m := 0; m < n; m++ {
		for d, ov := range out[m*dModel : (m+1)*dModel] {
			for c, v := range u[d*p : (d+1)*p] {
				xi[c*n+m] += float64(ov) * float64(v)
			}
		}
	}
	res := &sdk.Result{Arrays: map[string]*sdk.Tensor{}}
	nf := fourier.NumFreq(p)
	for _, part := range []struct {
		mag, phase string
		x          []float64
	}{{"alpha_mk", "phi_mk", theta}, {"beta_mk", "psi_mk", xi}} {
		coef := make([]float64, p*n)
		tr.Transform1D(coef, part.x, n)
		mag, phase := make([]float64, n*nf), make([]float64, n*nf)
		fourier.PairPolar(mag, phase, coef, p, n)
		res.Arrays[part.mag] = sdk.FromFloat32(narrow(mag), n, nf)
		res.Arrays[part.phase] = sdk.FromFloat32(narrow(phase), n, nf)
	}
	return res, nil
}

func narrow(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}
