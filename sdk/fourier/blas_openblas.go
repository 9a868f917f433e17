//go:build openblas

package fourier

// #cgo LDFLAGS: -lopenblas
import "C"

import "gonum.org/v1/netlib/blas/netlib"

func init() {
	impl = netlib.Implementation{}
	BLASName = "openblas"
}
