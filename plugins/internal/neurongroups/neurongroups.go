// Package neurongroups gathers what the cross-epoch analyzers of MLP neuron
// groups (neuron_group_pca, freq_group_weight_geometry) read: neuron_freq_norm
// and parameter_snapshot stacked over their common epochs, the neurons'
// weight vectors per epoch, and the groups of neurons sharing a dominant
// frequency at the last epoch (fourier.Dominant, fourier.GroupByFrequency:
// the one grouping rule both use).
package neurongroups

import (
	"fmt"
	"slices"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// The artifacts read.
const (
	FreqSource   = "neuron_freq_norm"
	WeightSource = "parameter_snapshot"
)

// Data is the two sources at their common epochs. Neurons are numbered
// layer-major, l·d_mlp + n, as in norm_matrix.
type Data struct {
	Epochs []int64 // common epochs, ascending
	NFreq  int     // n_freq
	N      int     // neurons: layers·d_mlp
	DModel int
	Groups []fourier.Group // at the last common epoch, groups of at least minSize
	Index  []int           // each neuron's group (-1 for none)

	layers, dmlp int
	freqIdx      []int // row of each common epoch in the norm_matrix stack
	wIdx         []int // and in the snapshot stack
	win, wout    [][]float32
}

// Load checks the inputs and groups the neurons by dominant frequency at the
// last common epoch, keeping groups of at least minSize neurons. Errors name
// the analyzer.
func Load(analyzer string, inputs map[string]*sdk.Stacked, minSize int) (*Data, error) {
	fs, ws := inputs[FreqSource], inputs[WeightSource]
	if fs == nil || ws == nil {
		return nil, fmt.Errorf("%s: input artifacts %s and %s are both needed", analyzer, FreqSource, WeightSource)
	}
	nm := fs.Arrays["norm_matrix"]
	if nm == nil || nm.DType() != sdk.Float32 || nm.Rank() != 3 || nm.Shape()[0] != len(fs.Epochs) {
		return nil, fmt.Errorf("%s: %s/norm_matrix is %v, want float32 (epochs = %d, n_freq, neurons)", analyzer, FreqSource, nm, len(fs.Epochs))
	}
	d := &Data{NFreq: nm.Shape()[1], N: nm.Shape()[2]}
	if err := d.loadWeights(analyzer, ws); err != nil {
		return nil, err
	}
	if err := d.commonEpochs(analyzer, fs.Epochs, ws.Epochs); err != nil {
		return nil, err
	}
	last := d.freqIdx[len(d.freqIdx)-1]
	frac := nm.Float32s()[last*d.NFreq*d.N : (last+1)*d.NFreq*d.N]
	dom, best := make([]int, d.N), make([]float32, d.N)
	fourier.Dominant(dom, best, frac, d.NFreq, d.N)
	d.Groups, d.Index = fourier.GroupByFrequency(dom, d.NFreq, minSize)
	return d, nil
}

// loadWeights takes blocks.L.mlp.W_in (epochs, d_model, d_mlp) and W_out
// (epochs, d_mlp, d_model) of every layer L = 0, 1, ... present.
func (d *Data) loadWeights(analyzer string, ws *sdk.Stacked) error {
	E := len(ws.Epochs)
	for layer := 0; ; layer++ {
		in := ws.Arrays[fmt.Sprintf("blocks.%d.mlp.W_in", layer)]
		out := ws.Arrays[fmt.Sprintf("blocks.%d.mlp.W_out", layer)]
		if in == nil && out == nil {
			break
		}
		if in == nil || out == nil || in.Rank() != 3 || out.Rank() != 3 {
			return fmt.Errorf("%s: %s layer %d: W_in %v and W_out %v, want (epochs, d_model, d_mlp) and (epochs, d_mlp, d_model)", analyzer, WeightSource, layer, in, out)
		}
		if layer == 0 {
			d.DModel, d.dmlp = in.Shape()[1], in.Shape()[2]
		}
		if !slices.Equal(in.Shape(), []int{E, d.DModel, d.dmlp}) || !slices.Equal(out.Shape(), []int{E, d.dmlp, d.DModel}) {
			return fmt.Errorf("%s: %s layer %d: W_in %v and W_out %v, want (%d, %d, %d) and (%d, %d, %d)", analyzer, WeightSource, layer, in, out, E, d.DModel, d.dmlp, E, d.dmlp, d.DModel)
		}
		d.win = append(d.win, in.AsFloat32())
		d.wout = append(d.wout, out.AsFloat32())
		d.layers++
	}
	if d.layers == 0 || d.layers*d.dmlp != d.N {
		return fmt.Errorf("%s: %s has %d layers of d_mlp %d, norm_matrix %d neurons", analyzer, WeightSource, d.layers, d.dmlp, d.N)
	}
	return nil
}

// commonEpochs keeps the epochs both sources completed.
func (d *Data) commonEpochs(analyzer string, fe, we []int) error {
	for _, es := range [][]int{fe, we} {
		if !slices.IsSorted(es) || len(slices.Compact(slices.Clone(es))) != len(es) {
			return fmt.Errorf("%s: input epochs are not ascending: %v", analyzer, es)
		}
	}
	for i, e := range fe {
		if j, ok := slices.BinarySearch(we, e); ok {
			d.Epochs = append(d.Epochs, int64(e))
			d.freqIdx = append(d.freqIdx, i)
			d.wIdx = append(d.wIdx, j)
		}
	}
	if len(d.Epochs) == 0 {
		return fmt.Errorf("%s: %s and %s have no epoch in common", analyzer, FreqSource, WeightSource)
	}
	return nil
}

// In returns the neurons' input weight vectors at common epoch e (an index
// into Epochs) as rows: N×d_model, row l·d_mlp+n is column n of
// blocks.l.mlp.W_in, the direction neuron n reads from the residual stream.
func (d *Data) In(e int) []float64 {
	out := make([]float64, d.N*d.DModel)
	for l, w := range d.win {
		at := w[d.wIdx[e]*d.DModel*d.dmlp : (d.wIdx[e]+1)*d.DModel*d.dmlp]
		for m := 0; m < d.DModel; m++ {
			for n, v := range at[m*d.dmlp : (m+1)*d.dmlp] {
				out[(l*d.dmlp+n)*d.DModel+m] = float64(v)
			}
		}
	}
	return out
}

// Out returns the neurons' output weight vectors at common epoch e as rows:
// N×d_model, row l·d_mlp+n is row n of blocks.l.mlp.W_out, what neuron n
// writes to the residual stream.
func (d *Data) Out(e int) []float64 {
	out := make([]float64, d.N*d.DModel)
	for l, w := range d.wout {
		at := w[d.wIdx[e]*d.dmlp*d.DModel : (d.wIdx[e]+1)*d.dmlp*d.DModel]
		for i, v := range at {
			out[l*d.dmlp*d.DModel+i] = float64(v)
		}
	}
	return out
}

// GroupFreqs and GroupSizes return the groups' frequencies and sizes.
func (d *Data) GroupFreqs() (freqs, sizes []int64) {
	for _, g := range d.Groups {
		freqs = append(freqs, int64(g.Freq))
		sizes = append(sizes, int64(len(g.Members)))
	}
	return freqs, sizes
}

// IndexInt64 returns Index as int64.
func (d *Data) IndexInt64() []int64 {
	out := make([]int64, len(d.Index))
	for i, g := range d.Index {
		out[i] = int64(g)
	}
	return out
}
