package outcome

import "github.com/tdw-workbench/tdw/sdk"

// Names of the summary's sections that come from artifacts, as Inputs.Missing
// and Summary.Unavailable key them.
const (
	SectionNeurons        = "neurons"
	SectionDimensionality = "effective_dimensionality"
	SectionGeometry       = "geometry"
	SectionTransient      = "transient"
)

// Inputs is everything a summary is computed from: the training record and
// the artifacts' series, each nil when not available (Missing says why).
type Inputs struct {
	Family, Variant string
	Params          sdk.Params
	NumEpochs       int
	// TrainLoss, TestLoss and TestAccuracy hold entry e for epoch e, up to
	// the last epoch with a record; TestAccuracy is empty when none was
	// recorded.
	TrainLoss, TestLoss, TestAccuracy []float64
	// Checkpoints are the checkpoint epochs, ascending: windows start and
	// end on them.
	Checkpoints []int

	Neurons        *NeuronSeries
	Dimensionality *DimensionalitySeries
	Geometry       *GeometrySeries
	Transient      *TransientData

	Sources map[string]Source
	// Missing gives, per section, why its input is not available.
	Missing map[string]string
}

// NeuronSeries is neuron_dynamics' dominant frequency (1-based, 0: none)
// and its fraction, for every neuron at every analyzed epoch, row-major
// (epoch, neuron).
type NeuronSeries struct {
	Epochs   []int
	Neurons  int
	Dominant []int
	Fraction []float64
}

// DimensionalitySeries holds effective_dimensionality's participation
// ratios over epochs; WE may be nil.
type DimensionalitySeries struct {
	Epochs        []int
	WIn, WOut, WE []float64
}

// GeometrySeries holds repr_geometry's resid_post circularity and mean
// Fisher discriminant over epochs.
type GeometrySeries struct {
	Epochs                  []int
	Circularity, FisherMean []float64
}

// TransientData is transient_frequency's per-frequency record.
type TransientData struct {
	Frequencies []int
	IsFinal     []bool
	Homeless    []int
}

// at returns the index of epoch e in epochs, or -1.
func at(epochs []int, e int) int {
	for i, x := range epochs {
		if x == e {
			return i
		}
	}
	return -1
}
