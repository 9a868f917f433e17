package model

import (
	"runtime"
	"sync"

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
	// splitGEMM makes gemm split C's rows over GOMAXPROCS goroutines (for a
	// single-threaded BLAS; gonum's parallelizes by itself).
	splitGEMM = false
)

// minSplitRows is the row count of C below which gemm does not split.
const minSplitRows = 64

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
	if w := runtime.GOMAXPROCS(0); splitGEMM && w > 1 && m >= minSplitRows {
		// Each block of C's rows is a whole product of its own: the reduction
		// over k is never split, so the result does not depend on w.
		var wg sync.WaitGroup
		step := (m + w - 1) / w
		for lo := 0; lo < m; lo += step {
			rows := min(step, m-lo)
			aOff := lo * lda
			if tA {
				aOff = lo
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				gemmSerial(tA, tB, rows, n, k, a[aOff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
			}()
		}
		wg.Wait()
		return
	}
	gemmSerial(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// gemmSerial is gemm in one BLAS call.
func gemmSerial[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	switch a := any(a).(type) {
	case []float32:
		blas32.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		blas64.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}
