//go:build openblas

package main

// blasBackend names the BLAS the engine's matrix products use; the openblas
// build tag that switches host/model to OpenBLAS switches this too.
const blasBackend = "openblas (cgo, gonum netlib)"
