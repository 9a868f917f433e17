//go:build openblas

package model

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import "gonum.org/v1/netlib/blas/netlib"

func init() {
	blas32 = netlib.Implementation{}
	blas64 = netlib.Implementation{}
	BLASName = "openblas"
	// OpenBLAS's own threads spin between calls and then compete with the
	// engine's goroutines for the cores; the engine splits each product over
	// GOMAXPROCS goroutines itself (gemm), each calling single-threaded
	// OpenBLAS on a fixed block of rows.
	C.openblas_set_num_threads(1)
	splitGEMM = true
}
