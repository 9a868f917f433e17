package stats

import (
	"fmt"
	"math"
)

// FisherStats summarizes the pairwise Fisher discriminant ratios of a set of
// classes (see Fisher).
type FisherStats struct {
	// Mean and Min are over the pairs with a positive within-class term.
	Mean, Min float64
	// ArgminR < ArgminS is the least separated pair (the first in (r, s)
	// order on ties); both -1 when no pair counts.
	ArgminR, ArgminS int
	// Pairs is how many pairs count.
	Pairs int
}

// Fisher computes, for every pair of classes r < s with centroids μ (laid out
// n×d) and RMS radii ρ (as ClassSpread returns them),
//
//	J(r, s) = ‖μ_r − μ_s‖² / (ρ_r² + ρ_s²),
//
// the between-class distance over the within-class variance: large when the
// two classes are well separated. Pairs whose two classes both have zero
// radius have no finite ratio and are left out (the reference project does the
// same for its mean and minimum); with no pair left, Mean and Min are 0 and
// the argmin is -1. It panics if the lengths do not match.
func Fisher(centroids []float64, d int, radii []float64) FisherStats {
	n := len(radii)
	if d < 1 || len(centroids) != n*d {
		panic(fmt.Sprintf("stats: Fisher: %d centroid values for %d classes of %d", len(centroids), n, d))
	}
	st := FisherStats{Min: math.Inf(1), ArgminR: -1, ArgminS: -1}
	var sum float64
	for r := 0; r < n; r++ {
		mr := centroids[r*d : (r+1)*d]
		for s := r + 1; s < n; s++ {
			within := radii[r]*radii[r] + radii[s]*radii[s]
			if !(within > 0) {
				continue
			}
			var between float64
			for j, v := range centroids[s*d : (s+1)*d] {
				e := mr[j] - v
				between += e * e
			}
			ratio := between / within
			sum += ratio
			st.Pairs++
			if ratio < st.Min {
				st.Min, st.ArgminR, st.ArgminS = ratio, r, s
			}
		}
	}
	if st.Pairs == 0 {
		st.Min = 0
		return st
	}
	st.Mean = sum / float64(st.Pairs)
	return st
}

// CircularDistance returns the distance between residues r and s on the
// cycle Z_n: min(|r−s|, n−|r−s|).
func CircularDistance(r, s, n int) int {
	d := r - s
	if d < 0 {
		d = -d
	}
	return min(d, n-d)
}
