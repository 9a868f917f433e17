package fourier

import (
	"fmt"
	"math"
)

// FreqEnergies reads 2-D coefficients laid out [p, p, m] (as Transform2D
// writes them) and sets, for every grid c and frequency k = 1..(p-1)/2,
//
//	energy[(k-1)*m + c] = Σ_{(i,j) ∈ {0,2k-1,2k}², (i,j) ≠ (0,0)} coef[i, j, c]²
//	total[c]            = Σ_{(i,j) ≠ (0,0)} coef[i, j, c]²
//
// The constant cell (0,0) is the grid's mean: leaving it out makes the
// energies those of the grid's variance. Cells mixing two different
// frequencies belong to no block, so the energies sum to at most the total.
// A grid whose variance is below noiseFloor of its total energy is constant
// up to rounding and gets total 0.
// It panics if a length is not p*p*m, (p-1)/2*m or m.
func FreqEnergies(energy, total, coef []float64, p, m int) {
	nf := NumFreq(p)
	if len(coef) != p*p*m || len(energy) != nf*m || len(total) != m {
		panic(fmt.Sprintf("fourier: FreqEnergies: len(coef) = %d, len(energy) = %d, len(total) = %d for p = %d, m = %d",
			len(coef), len(energy), len(total), p, m))
	}
	row := func(i, j int) []float64 { o := (i*p + j) * m; return coef[o : o+m] }
	clear(total)
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			if i == 0 && j == 0 {
				continue
			}
			for c, v := range row(i, j) {
				total[c] += v * v
			}
		}
	}
	for c, v := range row(0, 0) {
		if total[c] <= noiseFloor*(total[c]+v*v) {
			total[c] = 0
		}
	}
	for k := 1; k <= nf; k++ {
		e := energy[(k-1)*m : k*m]
		clear(e)
		idx := [3]int{0, 2*k - 1, 2 * k}
		for _, i := range idx {
			for _, j := range idx {
				if i == 0 && j == 0 {
					continue
				}
				for c, v := range row(i, j) {
					e[c] += v * v
				}
			}
		}
	}
}

// noiseFloor is the variance, relative to a grid's energy, below which the
// grid counts as constant: float64 rounding in the transforms leaves about
// 1e-32 relative energy in every cell of a constant grid.
const noiseFloor = 1e-24

// Fractions divides energies laid out [(p-1)/2, m] by their grid's total in
// place, as FreqEnergies returns them, giving each grid's fraction of variance
// per frequency. A grid with no variance (total 0, a constant grid) gets
// fractions 0. It panics if len(energy) is not a multiple of len(total).
func Fractions(energy, total []float64) {
	m := len(total)
	if m == 0 || len(energy)%m != 0 {
		panic(fmt.Sprintf("fourier: Fractions: len(energy) = %d is not a multiple of len(total) = %d", len(energy), m))
	}
	for r := 0; r < len(energy)/m; r++ {
		e := energy[r*m : (r+1)*m]
		for c, t := range total {
			if t > 0 {
				e[c] /= t
			} else {
				e[c] = 0
			}
		}
	}
}

// RowNorms sets dst[i] to the Euclidean norm of row i of the [rows, cols]
// row-major matrix a. It panics if len(a) != len(dst)*cols.
func RowNorms(dst, a []float64, cols int) {
	if len(a) != len(dst)*cols {
		panic(fmt.Sprintf("fourier: RowNorms: len(a) = %d, want %d*%d", len(a), len(dst), cols))
	}
	for i := range dst {
		var s float64
		for _, v := range a[i*cols : (i+1)*cols] {
			s += v * v
		}
		dst[i] = math.Sqrt(s)
	}
}
