// Package attnfourier is the attention_fourier analyzer: from the weights
// alone, which frequencies each attention head's query-key product and value
// projection use over the residue tokens. In the Fourier algorithm for
// modular addition a head's token-space QKᵀ is dominated by one frequency
// when its queries and keys sit in the same Fourier subspace.
package attnfourier

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "attention_fourier"
	Version = "0.1.0"
)

// Weights the analyzer reads (layer 0: the embedding feeds it directly).
const (
	WE = "embed.W_E"
	WQ = "blocks.0.attn.W_Q"
	WK = "blocks.0.attn.W_K"
	WV = "blocks.0.attn.W_V"
)

// Analyzer implements sdk.Analyzer. For each head h, with E = W_E[:p] (the
// residue tokens' embeddings) and F the Fourier basis:
//
//	qk_freq_norms[h, k-1] = ‖C[{2k-1,2k}, {2k-1,2k}]‖² / Σ_j ‖C[{2j-1,2j}, {2j-1,2j}]‖²,  C = F·(E·W_Q[h])·(E·W_K[h])ᵀ·Fᵀ
//	v_freq_norms[h, k-1]  = ‖V[{2k-1,2k}, :]‖² / Σ_j ‖V[{2j-1,2j}, :]‖²,                     V = F·E·W_V[h]
//
// the share of the token-space QKᵀ energy in frequency k's (cos, sin)² block
// and of the value projection's energy in frequency k's two rows; a head whose
// blocks (bands) hold less than 1e-9 of ‖C‖² (‖V‖²) gets all 0.
type Analyzer struct {
	tr *fourier.Transformer
}

// New returns an attention_fourier analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin takes the Fourier basis from the context.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	a.tr = tr
	return nil
}

// Analyze computes both fractions for every head.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	p := a.tr.P()
	nf := fourier.NumFreq(p)
	fe, dModel, err := a.embedding(cp.Weights[WE])
	if err != nil {
		return nil, fmt.Errorf("%s: epoch %d: %w", Name, cp.Epoch, err)
	}
	var heads, dHead int
	proj := map[string][]float32{}
	for _, name := range []string{WQ, WK, WV} {
		w := cp.Weights[name]
		if w == nil || w.Rank() != 3 || w.Shape()[1] != dModel || (heads > 0 && (w.Shape()[0] != heads || w.Shape()[2] != dHead)) {
			return nil, fmt.Errorf("%s: epoch %d: weight %s is %v, want (n_heads, d_model = %d, d_head) like W_Q", Name, cp.Epoch, name, w, dModel)
		}
		heads, dHead = w.Shape()[0], w.Shape()[2]
		proj[name] = w.AsFloat32()
	}
	qk := make([]float32, heads*nf)
	v := make([]float32, heads*nf)
	fq, fk, fv := make([]float64, p*dHead), make([]float64, p*dHead), make([]float64, p*dHead)
	band := make([]float64, nf)
	for h := 0; h < heads; h++ {
		tokenSpace(fq, fe, proj[WQ], h, p, dModel, dHead)
		tokenSpace(fk, fe, proj[WK], h, p, dModel, dHead)
		tokenSpace(fv, fe, proj[WV], h, p, dModel, dHead)
		for k := 1; k <= nf; k++ {
			var e float64
			for _, i := range [2]int{2*k - 1, 2 * k} {
				for _, j := range [2]int{2*k - 1, 2 * k} {
					c := dot(fq[i*dHead:(i+1)*dHead], fk[j*dHead:(j+1)*dHead])
					e += c * c
				}
			}
			band[k-1] = e
		}
		share(qk[h*nf:(h+1)*nf], band, productEnergy(fq, fk, p, dHead))
		fourier.BandEnergies(band, fv, p, dHead)
		share(v[h*nf:(h+1)*nf], band, dot(fv, fv))
	}
	res := &sdk.Result{
		Arrays: map[string]*sdk.Tensor{
			"qk_freq_norms": sdk.FromFloat32(qk, heads, nf),
			"v_freq_norms":  sdk.FromFloat32(v, heads, nf),
		},
		Summary: map[string]*sdk.Tensor{},
	}
	for _, part := range []struct {
		name string
		frac []float32
	}{{"qk", qk}, {"v", v}} {
		dom, best := dominant(part.frac, heads, nf)
		res.Summary[part.name+"_dominant_frequency"] = sdk.FromInt64(dom, heads)
		res.Summary[part.name+"_dominant_fraction"] = sdk.FromFloat64(best, heads)
	}
	return res, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }

// embedding checks W_E and returns F·W_E[:p] ([p, d_model], float64).
func (a *Analyzer) embedding(we *sdk.Tensor) ([]float64, int, error) {
	p := a.tr.P()
	if we == nil || we.Rank() != 2 || we.Shape()[0] < p {
		return nil, 0, fmt.Errorf("weight %s is %v, want (d_vocab ≥ p = %d, d_model)", WE, we, p)
	}
	dModel := we.Shape()[1]
	e := make([]float64, p*dModel)
	for i, x := range we.AsFloat32()[:p*dModel] {
		e[i] = float64(x)
	}
	fe := make([]float64, p*dModel)
	a.tr.Transform1D(fe, e, dModel)
	return fe, dModel, nil
}

// tokenSpace sets dst ([p, d_head]) to (F·E)·W[h], the Fourier coefficients of
// head h's projection of the residue tokens (F·(E·W) = (F·E)·W).
func tokenSpace(dst, fe []float64, w []float32, h, p, dModel, dHead int) {
	wh := w[h*dModel*dHead : (h+1)*dModel*dHead]
	clear(dst)
	for i := 0; i < p; i++ {
		row := dst[i*dHead : (i+1)*dHead]
		for m, e := range fe[i*dModel : (i+1)*dModel] {
			for c, x := range wh[m*dHead : (m+1)*dHead] {
				row[c] += e * float64(x)
			}
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// productEnergy returns ‖A·Bᵀ‖²_F for A, B laid out [p, d]: Σ (AᵀA)∘(BᵀB),
// without forming the p×p product.
func productEnergy(a, b []float64, p, d int) float64 {
	ga, gb := make([]float64, d*d), make([]float64, d*d)
	for i := 0; i < p; i++ {
		ra, rb := a[i*d:(i+1)*d], b[i*d:(i+1)*d]
		for r := 0; r < d; r++ {
			for c := 0; c < d; c++ {
				ga[r*d+c] += ra[r] * ra[c]
				gb[r*d+c] += rb[r] * rb[c]
			}
		}
	}
	return dot(ga, gb)
}

// share sets dst to e normalized to sum 1. When e holds less than 1e-9 of
// all the energy (all of it outside the bands, up to float32 rounding of the
// weights) the shares would be rounding noise: they are all 0.
func share(dst []float32, e []float64, all float64) {
	var total float64
	for _, x := range e {
		total += x
	}
	for k, x := range e {
		if total > 1e-9*all {
			dst[k] = float32(x / total)
		} else {
			dst[k] = 0
		}
	}
}

// dominant returns, per head (row of frac, laid out [heads, nf]), the
// frequency with the largest share (lowest k on ties; 0 when all are 0) and
// that share.
func dominant(frac []float32, heads, nf int) ([]int64, []float64) {
	dom, best := make([]int64, heads), make([]float64, heads)
	for h := 0; h < heads; h++ {
		for k, x := range frac[h*nf : (h+1)*nf] {
			if float64(x) > best[h] {
				best[h], dom[h] = float64(x), int64(k+1)
			}
		}
	}
	return dom, best
}
