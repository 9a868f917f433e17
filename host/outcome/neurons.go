package outcome

import "slices"

// specialization is the specialized neurons of one epoch: per frequency
// (index k, 0 unused) the count of neurons whose dominant frequency is k
// with a fraction of at least neuron_threshold.
type specialization []int

func (n *NeuronSeries) specialization(i int, s Settings) specialization {
	counts := specialization{0}
	row := i * n.Neurons
	for j := 0; j < n.Neurons; j++ {
		k, f := n.Dominant[row+j], n.Fraction[row+j]
		if k <= 0 || !(f >= s.NeuronThreshold) {
			continue
		}
		for len(counts) <= k {
			counts = append(counts, 0)
		}
		counts[k]++
	}
	return counts
}

// learned returns the frequencies with at least one specialized neuron,
// ascending (never nil).
func (c specialization) learned() []int {
	out := []int{}
	for k, n := range c {
		if k > 0 && n > 0 {
			out = append(out, k)
		}
	}
	return out
}

// committed returns the frequencies whose specialized neurons reach
// committed_share of all neurons, ascending (never nil).
func (c specialization) committed(neurons int, s Settings) []int {
	out := []int{}
	for k, n := range c {
		if k > 0 && n > 0 && float64(n) >= s.CommittedShare*float64(neurons) {
			out = append(out, k)
		}
	}
	return out
}

func (c specialization) total() int {
	t := 0
	for _, n := range c {
		t += n
	}
	return t
}

// top returns the frequency with the most specialized neurons (the lowest
// on ties), 0 when there is none.
func (c specialization) top() int {
	best := 0
	for k := 1; k < len(c); k++ {
		if c[k] > 0 && (best == 0 || c[k] > c[best]) {
			best = k
		}
	}
	return best
}

func (c specialization) count(k int) int {
	if k < len(c) {
		return c[k]
	}
	return 0
}

// neuronLandmarks reads the first mover, the specialization landmarks, the
// final frequencies and the competition window from neuron_dynamics.
func neuronLandmarks(n *NeuronSeries, s Settings) *NeuronLandmarks {
	out := &NeuronLandmarks{Neurons: n.Neurons}
	for i, e := range n.Epochs {
		c := n.specialization(i, s)
		if out.FirstMoverEpoch == nil && c.total() > 0 {
			out.FirstMoverEpoch, out.FirstMoverFrequency = iptr(e), iptr(c.top())
		}
		// The cascade starts with the first frequency to gather
		// first_mover_neurons: the first mover, or one that overtook it.
		if k := c.top(); out.FirstMoverCountEpoch == nil && k > 0 && c.count(k) >= s.FirstMoverNeurons {
			out.FirstMoverCountEpoch, out.FirstMoverCountFrequency = iptr(e), iptr(k)
		}
		if out.SpecializedCountEpoch == nil && c.total() >= s.SpecializedNeurons {
			out.SpecializedCountEpoch = iptr(e)
		}
	}
	last := len(n.Epochs) - 1
	c := n.specialization(last, s)
	out.LearnedFrequencies, out.CommittedFrequencies = c.learned(), c.committed(n.Neurons, s)
	out.SpecializedFinal = c.total()
	out.CommittedSetEpoch = n.committedSetEpoch(out.CommittedFrequencies, s)
	out.CompetitionWindowStart, out.CompetitionWindowEnd = n.competition(s)
	return out
}

// committedSetEpoch returns the first epoch from which the committed
// frequencies stay the final ones, nil when none is committed at the end.
func (n *NeuronSeries) committedSetEpoch(final []int, s Settings) *int {
	if len(final) == 0 {
		return nil
	}
	from := len(n.Epochs) - 1
	for i := from - 1; i >= 0; i-- {
		if !slices.Equal(n.specialization(i, s).committed(n.Neurons, s), final) {
			break
		}
		from = i
	}
	return iptr(n.Epochs[from])
}

// competition returns the earliest and latest commitment epoch of the
// neurons specialized at the last epoch: the epoch from which each stays on
// its final frequency with a fraction of at least neuron_threshold.
func (n *NeuronSeries) competition(s Settings) (first, last *int) {
	lastRow := (len(n.Epochs) - 1) * n.Neurons
	var commits []int
	for j := 0; j < n.Neurons; j++ {
		k := n.Dominant[lastRow+j]
		if k <= 0 || !(n.Fraction[lastRow+j] >= s.NeuronThreshold) {
			continue
		}
		from := len(n.Epochs) - 1
		for i := from - 1; i >= 0; i-- {
			if n.Dominant[i*n.Neurons+j] != k || !(n.Fraction[i*n.Neurons+j] >= s.NeuronThreshold) {
				break
			}
			from = i
		}
		commits = append(commits, n.Epochs[from])
	}
	if len(commits) == 0 {
		return nil, nil
	}
	return iptr(slices.Min(commits)), iptr(slices.Max(commits))
}

// frequencyDiff returns the frequencies of b not in a (gains) and of a not
// in b (losses), ascending, never nil.
func frequencyDiff(a, b []int) (gains, losses []int) {
	gains, losses = []int{}, []int{}
	for _, k := range b {
		if !slices.Contains(a, k) {
			gains = append(gains, k)
		}
	}
	for _, k := range a {
		if !slices.Contains(b, k) {
			losses = append(losses, k)
		}
	}
	return gains, losses
}
