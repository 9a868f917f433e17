package outcome

// dimensionalityLandmarks finds the crossover: the first epoch at which
// PR(W_out) falls to or below PR(W_in) after having risen above it (at
// initialization the two are about equal, so the first rise is waited
// for).
func dimensionalityLandmarks(d *DimensionalitySeries) *DimensionalityLandmarks {
	last := len(d.Epochs) - 1
	out := &DimensionalityLandmarks{WInPRFinal: finiteOrNil(d.WIn[last]), WOutPRFinal: finiteOrNil(d.WOut[last])}
	rose := false
	for i, e := range d.Epochs {
		if !rose {
			rose = d.WOut[i] > d.WIn[i]
			continue
		}
		if d.WOut[i] <= d.WIn[i] {
			out.CrossoverEpoch = iptr(e)
			if d.WE != nil {
				out.CrossoverWEPR = finiteOrNil(d.WE[i])
			}
			break
		}
	}
	return out
}

// geometryLandmarks reads the largest (the first on ties) and the final
// circularity and the final Fisher discriminant of resid_post.
func geometryLandmarks(g *GeometrySeries) *GeometryLandmarks {
	last := len(g.Epochs) - 1
	out := &GeometryLandmarks{FinalCircularity: finiteOrNil(g.Circularity[last]), FinalFisherMean: finiteOrNil(g.FisherMean[last])}
	if _, hi := extremes(g.Circularity); hi >= 0 {
		out.MaxCircularity, out.MaxCircularityEpoch = finiteOrNil(g.Circularity[hi]), iptr(g.Epochs[hi])
	}
	return out
}

// transientSummary splits transient_frequency's qualifying frequencies into
// transient and final ones and counts the homeless neurons of the
// transient ones' peak cohorts; the fraction is of all neurons, null when
// their number is unknown (no neuron_dynamics).
func transientSummary(t *TransientData, neurons int) *TransientSummary {
	out := &TransientSummary{Frequencies: []int{}, FinalFrequencies: []int{}}
	for i, k := range t.Frequencies {
		if t.IsFinal[i] {
			out.FinalFrequencies = append(out.FinalFrequencies, k)
			continue
		}
		out.Frequencies = append(out.Frequencies, k)
		out.HomelessNeuronCount += t.Homeless[i]
	}
	out.Count = len(out.Frequencies)
	if neurons > 0 {
		f := float64(out.HomelessNeuronCount) / float64(neurons)
		out.HomelessNeuronFraction = &f
	}
	return out
}
