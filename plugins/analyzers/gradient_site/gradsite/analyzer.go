// Package gradsite is the gradient_site analyzer: where in frequency space
// the training gradient pushes each site of the model. At every checkpoint it
// asks the host for d(loss)/dW of the embedding, the attention projections
// and the MLP input weights, moves each into token space through the residue
// embeddings, and measures its energy per Fourier frequency. Sites whose
// spectra agree (cosine similarity near 1) are being pushed toward the same
// frequencies; the reference project used this to see the embedding, the
// attention and the MLP converge on the key frequencies.
package gradsite

import (
	"context"
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "gradient_site"
	Version = "0.1.0"
)

// Weights whose gradients the analyzer asks for (layer 0: the one the
// embedding feeds directly). W_E's values are an input too: they carry the
// other sites' gradients into token space.
const (
	WE  = "embed.W_E"
	WQ  = "blocks.0.attn.W_Q"
	WK  = "blocks.0.attn.W_K"
	WV  = "blocks.0.attn.W_V"
	WIn = "blocks.0.mlp.W_in"
)

// DefaultSplit is the probe rows the loss is taken on, as in training (the
// reference project backpropagated the training loss); analyzer.json declares
// the same default.
const DefaultSplit = sdk.SplitTrain

// Sites are the three sites, in the order of the outputs' suffixes.
var Sites = [3]string{"embedding", "attention", "mlp"}

// pairs are the site pairs compared, with their output names.
var pairs = [3]struct {
	name string
	a, b int
}{{"similarity_emb_attn", 0, 1}, {"similarity_emb_mlp", 0, 2}, {"similarity_attn_mlp", 1, 2}}

// Analyzer implements sdk.Analyzer. With E = W_E[:p] (the residue tokens'
// embeddings), F the Fourier basis (row 2k-1 cos k, row 2k sin k) and G a
// site's gradient in token space (p rows, m columns):
//
//	embedding: G = ∂W_E[:p]                                  (m = d_model)
//	attention: G = [E·∂W_Q[h], E·∂W_K[h], E·∂W_V[h]]_h        (m = 3·n_heads·d_head)
//	mlp:       G = E·∂W_in                                   (m = d_mlp)
//
// the raw energy at frequency k is √(Σ_c (C[2k-1,c]² + C[2k,c]²) / m) with
// C = F·G: the RMS over the site's columns of frequency k's two coefficients
// (for attention the mean over the 3·n_heads matrices of each one's mean, as
// the reference computed it). The constant row is in no band.
type Analyzer struct {
	tr    *fourier.Transformer
	host  sdk.Host
	split sdk.Split
}

// New returns a gradient_site analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin reads the split, the Fourier basis and the host callback, which is
// required: the gradients come from the host's backward pass.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	split, err := parseSplit(run.Settings)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if run.Model.AttnOnly {
		return fmt.Errorf("%s: the model is attention-only; the analyzer needs an MLP (%s)", Name, WIn)
	}
	tr, err := fourier.FromContext(run.Context)
	if err != nil {
		return fmt.Errorf("%s: %w", Name, err)
	}
	if run.Host == nil {
		return fmt.Errorf("%s: needs the host callback for gradients, and the run offers none", Name)
	}
	a.tr, a.host, a.split = tr, run.Host, split
	return nil
}

func parseSplit(p sdk.Params) (sdk.Split, error) {
	if _, ok := p["split"]; !ok {
		return DefaultSplit, nil
	}
	v, err := p.String("split")
	if err != nil {
		return "", err
	}
	switch s := sdk.Split(v); s {
	case sdk.SplitAll, sdk.SplitTrain, sdk.SplitTest:
		return s, nil
	}
	return "", fmt.Errorf("parameter \"split\" is %q, want all, train or test", v)
}

// Analyze asks the host for the gradients and measures every site's spectrum.
func (a *Analyzer) Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.tr == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	fail := func(err error) (*sdk.Result, error) {
		return nil, fmt.Errorf("%s: epoch %d: %w", Name, cp.Epoch, err)
	}
	e, dModel, err := residues(cp.Weights[WE], a.tr.P())
	if err != nil {
		return fail(err)
	}
	g, err := a.host.Gradient(ctx, sdk.GradRequest{Names: []string{WE, WQ, WK, WV, WIn}, Split: a.split})
	if err != nil {
		return fail(fmt.Errorf("gradients from the host: %w", err))
	}
	raw, err := siteEnergies(a.tr, e, dModel, g.Grads)
	if err != nil {
		return fail(fmt.Errorf("gradient from the host: %w", err))
	}
	return result(raw, g.Loss), nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }

// result normalizes each site's raw energies to a unit vector (all 0 for a
// site with no gradient) and compares the sites.
func result(raw [3][]float64, loss float64) *sdk.Result {
	nf := len(raw[0])
	res := &sdk.Result{Arrays: map[string]*sdk.Tensor{}, Summary: map[string]*sdk.Tensor{"loss": sdk.Scalar(loss)}}
	var unit [3][]float64
	var mag [3]float64
	for i, site := range Sites {
		unit[i], mag[i] = normalize(raw[i])
		res.Arrays["energy_"+site] = sdk.FromFloat64(unit[i], nf)
		res.Summary["energy_"+site] = sdk.FromFloat64(unit[i], nf)
		res.Summary["magnitude_"+site] = sdk.Scalar(mag[i])
	}
	for _, pr := range pairs {
		sim := math.NaN()
		if mag[pr.a] > tiny && mag[pr.b] > tiny {
			sim = dot(unit[pr.a], unit[pr.b])
		}
		res.Summary[pr.name] = sdk.Scalar(sim)
	}
	return res
}

// tiny is the norm below which a spectrum counts as no gradient at all (the
// reference's threshold).
const tiny = 1e-30

// normalize returns v / ‖v‖ and ‖v‖, or zeros when ‖v‖ ≤ tiny.
func normalize(v []float64) ([]float64, float64) {
	n := math.Sqrt(dot(v, v))
	out := make([]float64, len(v))
	if n > tiny {
		for i, x := range v {
			out[i] = x / n
		}
	}
	return out, n
}

func dot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}
