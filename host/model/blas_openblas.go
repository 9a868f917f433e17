//go:build openblas

package model

// #cgo LDFLAGS: -lopenblas
import "C"

import "gonum.org/v1/netlib/blas/netlib"

func init() {
	blas32 = netlib.Implementation{}
	blas64 = netlib.Implementation{}
	BLASName = "openblas"
}
