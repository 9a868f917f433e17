package neurongroups

import "github.com/tdw-workbench/tdw/sdk"

// Fixture builds the inputs of a one-layer model for tests: norm_matrix
// (E, n_freq, N) with each neuron's whole fraction at dom[n] (0: a dead
// neuron, all fractions 0) at every epoch, and W_in (E, d_model, N), W_out
// (E, N, d_model) with neuron n's vectors at epoch e given by in(e, n) and
// out(e, n). It is exported for the tests of the analyzers that use Load.
func Fixture(epochs []int, nf int, dom []int, dModel int, in, out func(e, n int) []float64) map[string]*sdk.Stacked {
	E, N := len(epochs), len(dom)
	nm := make([]float32, E*nf*N)
	win := make([]float32, E*dModel*N)
	wout := make([]float32, E*N*dModel)
	for e := 0; e < E; e++ {
		for n, k := range dom {
			if k > 0 {
				nm[(e*nf+k-1)*N+n] = 1
			}
			for m, v := range in(e, n) {
				win[(e*dModel+m)*N+n] = float32(v)
			}
			for m, v := range out(e, n) {
				wout[(e*N+n)*dModel+m] = float32(v)
			}
		}
	}
	return map[string]*sdk.Stacked{
		FreqSource: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{"norm_matrix": sdk.FromFloat32(nm, E, nf, N)}},
		WeightSource: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{
			"blocks.0.mlp.W_in":  sdk.FromFloat32(win, E, dModel, N),
			"blocks.0.mlp.W_out": sdk.FromFloat32(wout, E, N, dModel),
			"embed.W_E":          sdk.NewTensor(sdk.Float32, E, 3, dModel),
		}},
	}
}
