package fourier

import (
	"math"
	"math/cmplx"
)

// Alignment measures how well the angles θ_r of n classes r = 0..n-1 (class
// centroids around the circle they lie on) advance by a fixed step: for each
// k = 1..n-1,
//
//	A_k = |mean_r exp(i·(θ_r − 2πkr/n))|²,
//
// 1 when θ_r = θ_0 + 2πkr/n exactly (the classes sit on the circle in the
// order of r·k mod n, as a Fourier-feature model arranges residues) and about
// 1/n for unrelated angles. It returns the largest A_k and its frequency
// folded to 1..(n-1)/2: steps k and n−k are one frequency walked in opposite
// directions, which a principal-axis sign flip turns into each other. On ties
// (within 1e-12) the first step in the order 1, 2, … n-1 wins. It returns 0, 0
// for fewer than two angles.
func Alignment(angles []float64) (score float64, k int) {
	n := len(angles)
	if n < 2 {
		return 0, 0
	}
	z := make([]complex128, n)
	w := make([]complex128, n) // w[j] = exp(−2πij/n): f·r is reduced mod n first
	for r, th := range angles {
		z[r] = cmplx.Exp(complex(0, th))
		w[r] = cmplx.Exp(complex(0, -2*math.Pi*float64(r)/float64(n)))
	}
	best := -1.0
	for f := 1; f < n; f++ {
		var sum complex128
		for r := range z {
			sum += z[r] * w[f*r%n]
		}
		a := cmplx.Abs(sum) / float64(n)
		if a*a > best+1e-12 {
			best, k = a*a, min(f, n-f)
		}
	}
	return best, k
}
