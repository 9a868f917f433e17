package outcome

import (
	"maps"
)

// Compute summarizes a variant from its inputs under the given settings.
// It reads nothing from disk; ComputedAt and InputsKey are left to the
// caller. It returns an error only when the training record holds no
// losses.
func Compute(in *Inputs, s Settings) (*Summary, error) {
	loss, err := lossLandmarks(in, s)
	if err != nil {
		return nil, err
	}
	sum := &Summary{
		Format: Format, Family: in.Family, Variant: in.Variant, Params: in.Params, Settings: s,
		Sources: map[string]Source{}, Unavailable: map[string]string{},
		NumEpochs: in.NumEpochs, LastEpoch: len(in.TrainLoss) - 1, Loss: loss,
	}
	maps.Copy(sum.Sources, in.Sources)
	sections(sum, in, s)
	windowBounds(in, sum, s)
	for _, w := range sum.Windows.All() {
		windowMetrics(w, in, sum.Unavailable, s)
	}
	sum.FailureMode, sum.FailureModeReasons = failureMode(sum, s)
	sum.PerformanceClass, sum.PerformanceClassReasons = performanceClass(sum, s)
	return sum, nil
}

// sections fills the sections read from artifacts, or names why each is
// not available.
func sections(sum *Summary, in *Inputs, s Settings) {
	given := map[string]bool{SectionNeurons: in.Neurons != nil, SectionDimensionality: in.Dimensionality != nil,
		SectionGeometry: in.Geometry != nil, SectionTransient: in.Transient != nil}
	for sec, ok := range given {
		if !ok {
			sum.Unavailable[sec] = in.Missing[sec]
			if sum.Unavailable[sec] == "" {
				sum.Unavailable[sec] = "not among the inputs"
			}
		}
	}
	neurons := 0
	if in.Neurons != nil {
		sum.Neurons = neuronLandmarks(in.Neurons, s)
		neurons = in.Neurons.Neurons
	}
	if in.Dimensionality != nil {
		sum.EffectiveDimensionality = dimensionalityLandmarks(in.Dimensionality)
	}
	if in.Geometry != nil {
		sum.Geometry = geometryLandmarks(in.Geometry)
	}
	if in.Transient != nil {
		sum.Transient = transientSummary(in.Transient, neurons)
	}
}
