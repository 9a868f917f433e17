package gradsite

import (
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// residues checks W_E and returns its first p rows (the residue tokens; the
// "=" token is not a residue) as float64, laid out [p, d_model].
func residues(we *sdk.Tensor, p int) ([]float64, int, error) {
	if we == nil || we.Rank() != 2 || we.Shape()[0] < p {
		return nil, 0, fmt.Errorf("weight %s is %v, want (d_vocab ≥ p = %d, d_model)", WE, we, p)
	}
	d := we.Shape()[1]
	return we.AsFloat64()[:p*d], d, nil
}

// siteEnergies checks the gradients' shapes against W_E's d_model and returns
// each site's raw per-frequency energy (see Analyzer).
func siteEnergies(tr *fourier.Transformer, e []float64, dModel int, grads map[string]*sdk.Tensor) ([3][]float64, error) {
	p := tr.P()
	var out [3][]float64
	gE := grads[WE]
	if gE == nil || gE.Rank() != 2 || gE.Shape()[0] < p || gE.Shape()[1] != dModel {
		return out, fmt.Errorf("%s is %v, want (d_vocab ≥ p = %d, d_model = %d)", WE, gE, p, dModel)
	}
	out[0] = rmsBands(tr, gE.AsFloat64()[:p*dModel], dModel)

	attn, err := stackHeads(grads, dModel)
	if err != nil {
		return out, err
	}
	m := len(attn) / dModel
	out[1] = rmsBands(tr, tokenSpace(e, attn, p, dModel, m), m)

	gIn := grads[WIn]
	if gIn == nil || gIn.Rank() != 2 || gIn.Shape()[0] != dModel {
		return out, fmt.Errorf("%s is %v, want (d_model = %d, d_mlp)", WIn, gIn, dModel)
	}
	m = gIn.Shape()[1]
	out[2] = rmsBands(tr, tokenSpace(e, gIn.AsFloat64(), p, dModel, m), m)
	return out, nil
}

// stackHeads lays the gradients of W_Q, W_K and W_V ((n_heads, d_model,
// d_head) each) side by side as one [d_model, 3·n_heads·d_head] matrix: one
// column per (matrix, head, head axis), so that one product takes them all
// into token space.
func stackHeads(grads map[string]*sdk.Tensor, dModel int) ([]float64, error) {
	var heads, dHead int
	var blocks [][]float64
	for _, name := range []string{WQ, WK, WV} {
		g := grads[name]
		if g == nil || g.Rank() != 3 || g.Shape()[1] != dModel || (heads > 0 && (g.Shape()[0] != heads || g.Shape()[2] != dHead)) {
			return nil, fmt.Errorf("%s is %v, want (n_heads, d_model = %d, d_head) like %s", name, g, dModel, WQ)
		}
		heads, dHead = g.Shape()[0], g.Shape()[2]
		blocks = append(blocks, g.AsFloat64())
	}
	m := 3 * heads * dHead
	out := make([]float64, dModel*m)
	col := 0
	for _, b := range blocks {
		for h := 0; h < heads; h++ {
			w := b[h*dModel*dHead : (h+1)*dModel*dHead]
			for r := 0; r < dModel; r++ {
				copy(out[r*m+col:r*m+col+dHead], w[r*dHead:(r+1)*dHead])
			}
			col += dHead
		}
	}
	return out, nil
}

// tokenSpace returns E·W ([p, m]) for E [p, d] and W [d, m].
func tokenSpace(e, w []float64, p, d, m int) []float64 {
	out := make([]float64, p*m)
	for i := 0; i < p; i++ {
		row := out[i*m : (i+1)*m]
		for k, x := range e[i*d : (i+1)*d] {
			if x == 0 {
				continue
			}
			for c, y := range w[k*m : (k+1)*m] {
				row[c] += x * y
			}
		}
	}
	return out
}

// rmsBands returns, for g laid out [p, m], √(band energy of F·g at k / m)
// for k = 1..n_freq (entry k-1).
func rmsBands(tr *fourier.Transformer, g []float64, m int) []float64 {
	p := tr.P()
	c := make([]float64, p*m)
	tr.Transform1D(c, g, m)
	e := make([]float64, fourier.NumFreq(p))
	fourier.BandEnergies(e, c, p, m)
	for k, v := range e {
		e[k] = math.Sqrt(v / float64(m))
	}
	return e
}
