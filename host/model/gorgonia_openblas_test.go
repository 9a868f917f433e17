//go:build openblas

package model

import (
	G "gorgonia.org/gorgonia"
	"gonum.org/v1/netlib/blas/netlib"
)

// Gorgonia gets the same OpenBLAS as the engine in BenchmarkMLPStep.
func init() { G.Use(netlib.Implementation{}) }
