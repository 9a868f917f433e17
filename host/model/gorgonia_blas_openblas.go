//go:build openblas

package model

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// With the openblas tag Gorgonia's own BLAS calls (its built-in ops, e.g. Mul)
// and package tensor's go through the same OpenBLAS as the engine.
func init() { G.Use(netlib.Implementation{}) }
