package model

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestGEMMSplitMatchesNaive checks gemm, split over goroutines and not, for
// every transposition against a naive triple loop in float64.
func TestGEMMSplitMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	saved := splitGEMM
	defer func() { splitGEMM = saved }()
	for _, split := range []bool{false, true} {
		splitGEMM = split
		for _, tc := range []struct{ m, n, k int }{{130, 17, 33}, {64, 64, 1}, {7, 5, 3}, {201, 9, 70}} {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					t.Run(fmt.Sprintf("split%v/%dx%dx%d/tA%v/tB%v", split, tc.m, tc.n, tc.k, tA, tB), func(t *testing.T) {
						m, n, k := tc.m, tc.n, tc.k
						lda, ldb, ldc := k+2, n+1, n+3
						if tA {
							lda = m + 2
						}
						if tB {
							ldb = k + 1
						}
						ar, br := m, k
						if tA {
							ar = k
						}
						if tB {
							br = n
						}
						a, b, c := make([]float64, ar*lda), make([]float64, br*ldb), make([]float64, m*ldc)
						for i := range a {
							a[i] = rng.NormFloat64()
						}
						for i := range b {
							b[i] = rng.NormFloat64()
						}
						for i := range c {
							c[i] = rng.NormFloat64()
						}
						want := append([]float64(nil), c...)
						for i := 0; i < m; i++ {
							for j := 0; j < n; j++ {
								var s float64
								for l := 0; l < k; l++ {
									var av, bv float64
									if tA {
										av = a[l*lda+i]
									} else {
										av = a[i*lda+l]
									}
									if tB {
										bv = b[j*ldb+l]
									} else {
										bv = b[l*ldb+j]
									}
									s += av * bv
								}
								want[i*ldc+j] = s + 0.5*want[i*ldc+j]
							}
						}
						gemm(tA, tB, m, n, k, a, lda, b, ldb, 0.5, c, ldc)
						for i := 0; i < m; i++ {
							for j := 0; j < n; j++ {
								if !scalar.EqualWithinAbsOrRel(c[i*ldc+j], want[i*ldc+j], 1e-12, 1e-12) {
									t.Fatalf("C[%d,%d] = %v, want %v", i, j, c[i*ldc+j], want[i*ldc+j])
								}
							}
						}
					})
				}
			}
		}
	}
}
