package fourier

import "fmt"

// Dominant sets, for each of the m columns of frac (laid out [n_freq, m] as
// neuron_freq_norm's norm_matrix: entry [k-1, c] is column c's fraction at
// frequency k), dom[c] to the frequency k (1-based) with the largest fraction
// and best[c] to that fraction. Ties go to the lowest k (numpy's argmax); a
// column whose fractions are all 0 (a neuron with no variance) gets k = 0 and
// fraction 0. neuron_dynamics, neuron_group_pca and freq_group_weight_geometry
// all assign neurons to frequencies this way. It panics if a length does not
// match.
func Dominant[T float32 | float64](dom []int, best []T, frac []T, nf, m int) {
	if len(frac) != nf*m || len(dom) != m || len(best) != m {
		panic(fmt.Sprintf("fourier: Dominant: len(frac) = %d, len(dom) = %d, len(best) = %d for n_freq = %d, m = %d", len(frac), len(dom), len(best), nf, m))
	}
	clear(dom)
	clear(best)
	// Frequencies outer, columns inner: rows of frac stream.
	for k := 0; k < nf; k++ {
		for c, v := range frac[k*m : (k+1)*m] {
			if v > best[c] {
				best[c], dom[c] = v, k+1
			}
		}
	}
}

// Group is the set of neurons (columns) whose dominant frequency is Freq.
type Group struct {
	Freq    int   // frequency k, 1..n_freq
	Members []int // column indices, ascending
}

// GroupByFrequency groups the columns by dominant frequency (as Dominant
// returns it: k ≥ 1, 0 for none), keeping the groups of at least minSize
// members, in ascending k. Columns with k = 0 join no group. It returns the
// groups and each column's group index (-1 for none). It panics if a
// frequency is above nf.
func GroupByFrequency(dom []int, nf, minSize int) (groups []Group, index []int) {
	byFreq := make([][]int, nf+1)
	for c, k := range dom {
		if k < 0 || k > nf {
			panic(fmt.Sprintf("fourier: GroupByFrequency: dom[%d] = %d, want 0..%d", c, k, nf))
		}
		if k > 0 {
			byFreq[k] = append(byFreq[k], c)
		}
	}
	index = make([]int, len(dom))
	for c := range index {
		index[c] = -1
	}
	for k := 1; k <= nf; k++ {
		if len(byFreq[k]) < max(minSize, 1) {
			continue
		}
		for _, c := range byFreq[k] {
			index[c] = len(groups)
		}
		groups = append(groups, Group{Freq: k, Members: byFreq[k]})
	}
	return groups, index
}
