// Package nucleation is the fourier_nucleation analyzer: the frequency bias
// latent in the MLP input weights, read in token space. Each neuron's response
// to the residue tokens, R = (W_E[:p]·W_in)ᵀ, is projected on the Fourier
// basis; keeping only each neuron's strongest frequencies ("sharpening")
// shows which frequencies the neurons lean towards before training has
// committed them (the reference project runs it at initialization).
package nucleation

import (
	"context"
	"fmt"
	"slices"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "fourier_nucleation"
	Version = "0.1.0"
)

// Weights the analyzer reads.
const (
	WE  = "embed.W_E"
	WIn = "blocks.0.mlp.W_in"
)

// Analyzer implements sdk.Analyzer; see Nucleate.
type Analyzer struct {
	tr         *fourier.Transformer
	iterations int
	sharpness  float64
	commit     float64
}

// New returns a fourier_nucleation analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin takes the Fourier basis from the context and the parameters.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	it, err := run.Settings.Int("iterations")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	sh, err := run.Settings.Float("sharpness")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	ct, err := run.Settings.Float("commit_threshold")
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	switch {
	case it < 0 || it > 1000:
		return fmt.Errorf("%s: parameter %q is %d, want 0..1000", Name, "iterations", it)
	case !(sh >= 0 && sh < 1):
		return fmt.Errorf("%s: parameter %q is %g, want a value in [0, 1)", Name, "sharpness", sh)
	case !(ct >= 0 && ct < 1):
		return fmt.Errorf("%s: parameter %q is %g, want a value in [0, 1)", Name, "commit_threshold", ct)
	}
	a.tr, a.iterations, a.sharpness, a.commit = tr, it, sh, ct
	return nil
}

// Analyze projects the neuron responses and sharpens them.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	p := a.tr.P()
	we, win := cp.Weights[WE], cp.Weights[WIn]
	if we == nil || we.Rank() != 2 || we.Shape()[0] < p {
		return nil, fmt.Errorf("%s: epoch %d: weight %s is %v, want (d_vocab ≥ p = %d, d_model)", Name, cp.Epoch, WE, we, p)
	}
	dModel := we.Shape()[1]
	if win == nil || win.Rank() != 2 || win.Shape()[0] != dModel {
		return nil, fmt.Errorf("%s: epoch %d: weight %s is %v, want (d_model = %d, d_mlp)", Name, cp.Epoch, WIn, win, dModel)
	}
	dMLP := win.Shape()[1]
	// R' = W_E[:p]·W_in ([p, d_mlp]: column n is neuron n's response), then
	// its Fourier coefficients F·R'.
	resp := make([]float64, p*dMLP)
	e, w := we.AsFloat32(), win.AsFloat32()
	for x := 0; x < p; x++ {
		row := resp[x*dMLP : (x+1)*dMLP]
		for m, ev := range e[x*dModel : (x+1)*dModel] {
			for n, wv := range w[m*dMLP : (m+1)*dMLP] {
				row[n] += float64(ev) * float64(wv)
			}
		}
	}
	coef := make([]float64, p*dMLP)
	a.tr.Transform1D(coef, resp, dMLP)
	nu := Nucleate(coef, p, dMLP, a.iterations, a.sharpness, a.commit)
	rows, nf := a.iterations+1, fourier.NumFreq(p)
	return &sdk.Result{Arrays: map[string]*sdk.Tensor{
		"aggregate_energy":       sdk.FromFloat32(nu.Aggregate, rows, nf),
		"neuron_peak_freq":       sdk.FromInt64(nu.Peak, rows, dMLP),
		"neuron_committed_count": sdk.FromInt64(nu.Committed, rows, nf),
	}}, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }

// Nucleation holds one row per iteration (iteration 0 is the raw projection).
type Nucleation struct {
	Aggregate []float32 // [rows, n_freq]: Σ_n energy, over its largest k (all 0 when no energy)
	Peak      []int64   // [rows, d_mlp]: each neuron's frequency of largest energy (0 when it has none)
	Committed []int64   // [rows, n_freq]: neurons with more than commit of their energy at k
}

// Nucleate runs the sharpening on the Fourier coefficients coef ([p, m],
// column n one neuron's response) of m neurons. A neuron's energy at k is
// C_cos² + C_sin² on rows 2k-1, 2k. Each iteration keeps, per neuron, the
// frequencies whose energy is at least that of its keep-th largest, keep =
// max(1, ⌊n_freq·(1 − sharpness)⌋), and zeroes the others (and the constant
// row). That is the reference project's "keep the top 30% and reconstruct":
// the basis is orthonormal, so projecting the reconstruction gives back the
// kept coefficients and the loop runs on the coefficients directly. Keeping
// the top keep of a set that has only keep non-zero values changes nothing,
// so iterations after the first repeat it unless energies tie; the rows are
// kept for the reference's layout.
func Nucleate(coef []float64, p, m, iterations int, sharpness, commit float64) *Nucleation {
	nf := fourier.NumFreq(p)
	rows := iterations + 1
	nu := &Nucleation{Aggregate: make([]float32, rows*nf), Peak: make([]int64, rows*m), Committed: make([]int64, rows*nf)}
	energy := make([]float64, m*nf) // [neuron, k-1]
	for k := 1; k <= nf; k++ {
		c, s := coef[(2*k-1)*m:2*k*m], coef[2*k*m:(2*k+1)*m]
		for n := 0; n < m; n++ {
			energy[n*nf+k-1] = c[n]*c[n] + s[n]*s[n]
		}
	}
	keep := max(1, int(float64(nf)*(1-sharpness)))
	sorted := make([]float64, nf)
	for it := 0; it < rows; it++ {
		snapshot(nu, it, energy, m, nf, commit)
		if it == iterations {
			break
		}
		for n := 0; n < m; n++ {
			e := energy[n*nf : (n+1)*nf]
			copy(sorted, e)
			slices.Sort(sorted)
			th := sorted[nf-keep]
			for k, v := range e {
				if v < th {
					e[k] = 0
				}
			}
		}
	}
	return nu
}

// snapshot records row it of nu from the energies ([m, n_freq]).
func snapshot(nu *Nucleation, it int, energy []float64, m, nf int, commit float64) {
	agg := make([]float64, nf)
	var big float64
	for n := 0; n < m; n++ {
		e := energy[n*nf : (n+1)*nf]
		var total, best float64
		var peak int64
		for k, v := range e {
			agg[k] += v
			total += v
			if v > best {
				best, peak = v, int64(k+1)
			}
		}
		nu.Peak[it*m+n] = peak
		if total == 0 {
			continue
		}
		for k, v := range e {
			if v/total > commit {
				nu.Committed[it*nf+k]++
			}
		}
	}
	for _, v := range agg {
		big = max(big, v)
	}
	for k, v := range agg {
		if big > 0 {
			nu.Aggregate[it*nf+k] = float32(v / big)
		}
	}
}
