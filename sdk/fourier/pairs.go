package fourier

import (
	"fmt"
	"math"
)

// PairPolar sets, from the Fourier coefficients coef of m signals over Z_p
// (laid out [p, m]: basis row i, signal c, as F·X gives them), each signal's
// magnitude and phase at every frequency k = 1..n_freq, laid out [m, n_freq]
// (entry c*n_freq + k-1):
//
//	mag   = √(C² + S²)
//	phase = atan2(−S, C) ∈ (−π, π]
//
// with C and S the coefficients on basis rows 2k-1 (cos) and 2k (sin). A
// signal a·cos(2πkx/p + φ) has magnitude a·√(p/2) and phase φ: He et al.'s
// (2026) convention, with atan2 (the reference project's audit found an
// arctan that lost the quadrant). It panics if a length does not match.
func PairPolar(mag, phase, coef []float64, p, m int) {
	nf := NumFreq(p)
	if len(coef) != p*m || len(mag) != m*nf || len(phase) != m*nf {
		panic(fmt.Sprintf("fourier: PairPolar: len(coef) = %d, len(mag) = %d, len(phase) = %d for p = %d, m = %d", len(coef), len(mag), len(phase), p, m))
	}
	for k := 1; k <= nf; k++ {
		cos, sin := coef[(2*k-1)*m:2*k*m], coef[2*k*m:(2*k+1)*m]
		for c := range m {
			mag[c*nf+k-1] = math.Hypot(cos[c], sin[c])
			phase[c*nf+k-1] = math.Atan2(-sin[c], cos[c])
		}
	}
}

// BandEnergies sets dst[k-1] (len n_freq) to the energy of the coefficients
// coef (laid out [p, m] as in PairPolar) on the two basis rows of frequency
// k, summed over the m columns: Σ_c C_c² + S_c². The constant row 0 belongs to
// no band. It panics if a length does not match.
func BandEnergies(dst, coef []float64, p, m int) {
	nf := NumFreq(p)
	if len(coef) != p*m || len(dst) != nf {
		panic(fmt.Sprintf("fourier: BandEnergies: len(coef) = %d, len(dst) = %d for p = %d, m = %d", len(coef), len(dst), p, m))
	}
	for k := 1; k <= nf; k++ {
		var e float64
		for _, v := range coef[(2*k-1)*m : (2*k+1)*m] {
			e += v * v
		}
		dst[k-1] = e
	}
}
