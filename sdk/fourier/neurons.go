package fourier

import (
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// NeuronHook returns the hook whose neurons NeuronFractions reads for layer l.
func NeuronHook(l int) string { return fmt.Sprintf("blocks.%d.mlp.hook_post", l) }

// NeuronFractions computes the per-frequency fraction of variance of every
// MLP neuron of every layer, from the hooks blocks.L.mlp.hook_post cut to the
// last position ([p², d_mlp], probe row a*p+b is input (a, b)), as the
// neuron_freq_norm, coarseness and progress_measures analyzers need it.
// frac is laid out [(p-1)/2, layers*d_mlp] with neurons layer-major (column
// l*d_mlp+n is neuron n of layer l); total holds each neuron's variance
// energy. Errors name the missing or misshapen hook.
func NeuronFractions(t *Transformer, hooks map[string]*sdk.Tensor, layers int) (frac, total []float64, dmlp int, err error) {
	p := t.P()
	nf := NumFreq(p)
	for l := 0; l < layers; l++ {
		name := NeuronHook(l)
		h, ok := hooks[name]
		if !ok {
			return nil, nil, 0, fmt.Errorf("hook %s missing", name)
		}
		s := h.Shape()
		if h.Rank() != 2 || s[0] != p*p || s[1] < 1 {
			return nil, nil, 0, fmt.Errorf("hook %s has shape %s, want (p² = %d, d_mlp) at the last position", name, h.ShapeString(), p*p)
		}
		if l == 0 {
			dmlp = s[1]
			frac = make([]float64, nf*layers*dmlp)
			total = make([]float64, layers*dmlp)
		} else if s[1] != dmlp {
			return nil, nil, 0, fmt.Errorf("hook %s has d_mlp %d, layer 0 has %d", name, s[1], dmlp)
		}
		lf := frac
		if layers > 1 {
			lf = make([]float64, nf*dmlp)
		}
		GridFractions(t, lf, total[l*dmlp:(l+1)*dmlp], h.AsFloat32(), dmlp)
		if layers > 1 {
			m := layers * dmlp
			for k := 0; k < nf; k++ {
				copy(frac[k*m+l*dmlp:k*m+(l+1)*dmlp], lf[k*dmlp:(k+1)*dmlp])
			}
		}
	}
	return frac, total, dmlp, nil
}
