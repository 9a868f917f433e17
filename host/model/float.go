package model

// Float is the element type of the generic kernels: float32 for the engine,
// float64 for finite-difference gradient checks in tests.
type Float interface{ ~float32 | ~float64 }
