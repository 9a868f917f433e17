//go:build openblas

package model

import (
	"testing"

	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// TestGorgoniaUsesOpenBLAS checks that the openblas build points Gorgonia's
// own BLAS (its built-in ops) at the engine's OpenBLAS.
func TestGorgoniaUsesOpenBLAS(t *testing.T) {
	if _, ok := G.WhichBLAS().(netlib.Implementation); !ok {
		t.Errorf("Gorgonia BLAS is %T, want netlib (OpenBLAS)", G.WhichBLAS())
	}
	if BLASName != "openblas" {
		t.Errorf("engine BLAS %q, want openblas", BLASName)
	}
}
