package model

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// The BLAS behind every matrix product. Pure-Go gonum by default; the
// openblas build tag swaps in OpenBLAS (blas_openblas.go). Package-level
// rather than blas32.Use so that the engine does not change BLAS for the rest
// of the process.
var (
	blas32 blas.Float32 = gonum.Implementation{}
	blas64 blas.Float64 = gonum.Implementation{}
	// BLASName says which BLAS the engine was built with: "gonum" or "openblas".
	BLASName = "gonum"
)

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// gemm computes C = op(A)·op(B) + beta·C for row-major matrices, with op(A)
// m×k and op(B) k×n. Empty products are no-ops (BLAS rejects some of them).
func gemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if beta == 0 {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	switch a := any(a).(type) {
	case []float32:
		blas32.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		blas64.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}
