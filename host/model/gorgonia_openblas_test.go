//go:build openblas

package model

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// Gorgonia gets the same OpenBLAS as the engine in BenchmarkMLPStep.
func init() { G.Use(netlib.Implementation{}) }
