package stats

import (
	"fmt"
	"math"
)

// ParticipationRatio returns (Σ s_i)² / Σ s_i² for the non-negative values s,
// typically a matrix's singular values: the effective number of dimensions a
// matrix uses, between 1 (a single non-zero value) and len(s) (all equal).
// This is the definition the reference project's effective_dimensionality
// analyzer uses (on singular values, not on their squares).
//
// It returns 0 when s is empty or all zero. It panics if any value is
// negative, NaN or infinite.
func ParticipationRatio(s []float64) float64 {
	var sum, sq float64
	for i, v := range s {
		if !(v >= 0) || math.IsInf(v, 1) {
			panic(fmt.Sprintf("stats: participation ratio of an invalid value s[%d] = %v", i, v))
		}
		sum += v
		sq += v * v
	}
	if sq == 0 {
		return 0
	}
	return sum * sum / sq
}
