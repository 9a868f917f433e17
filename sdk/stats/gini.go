package stats

import (
	"fmt"
	"math"
	"slices"
)

// Gini returns the Gini coefficient of the non-negative values x:
//
//	G = Σ_i Σ_j |x_i - x_j| / (2 n Σ_i x_i),
//
// 0 when all values are equal and (n-1)/n when a single value holds all the
// mass. Nanda et al. use it on the norms of a weight matrix's Fourier
// components: a sparse spectrum (few key frequencies) gives a high Gini.
//
// Gini returns 0 for an empty x or one whose values are all zero (no
// inequality). It does not modify x; it allocates one sorted copy. Gini
// panics if any value is negative or NaN.
func Gini(x []float64) float64 {
	s := make([]float64, len(x))
	copy(s, x)
	return GiniInPlace(s)
}

// GiniInPlace is Gini without the copy: it sorts x in place, for hot paths
// that own their buffer. It panics if any value is negative or NaN.
func GiniInPlace(x []float64) float64 {
	for i, v := range x {
		if !(v >= 0) {
			panic(fmt.Sprintf("stats: Gini of a negative or NaN value x[%d] = %v", i, v))
		}
	}
	n := len(x)
	if n == 0 {
		return 0
	}
	slices.Sort(x)
	// With x ascending and ranks i = 1..n, the double sum reduces to
	// G = 2 Σ i x_i / (n Σ x) - (n+1)/n, which is O(n) after the sort.
	var sum, weighted float64
	for i, v := range x {
		sum += v
		weighted += float64(i+1) * v
	}
	if sum == 0 {
		return 0
	}
	g := 2*weighted/(float64(n)*sum) - float64(n+1)/float64(n)
	// Rounding can push an exactly-equal input a hair below zero.
	return math.Max(g, 0)
}
