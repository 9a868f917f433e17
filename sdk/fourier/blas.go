package fourier

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// impl is the BLAS behind every transform: pure-Go gonum by default, OpenBLAS
// with the openblas build tag (blas_openblas.go). A package variable rather
// than blas64.Use, so that importing this package does not change the BLAS of
// the rest of the process.
var impl blas.Float64 = gonum.Implementation{}

// BLASName says which BLAS the transforms use: "gonum" or "openblas".
var BLASName = "gonum"

// gemm computes C = A·B for row-major A (m×k, stride lda), B (k×n, stride
// ldb) and C (m×n, stride ldc), overwriting C.
func gemm(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	impl.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
}
