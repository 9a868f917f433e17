// Package stats holds the small statistics tdw analyzers share: inequality and
// spread measures (Gini coefficient, participation ratio), principal component
// analysis over gonum (per observation set, and a basis fitted once to pooled
// observations), the class geometry of labelled samples (centroids, radii,
// dimensionality, centre spread, Fisher discriminant ratios), an algebraic
// circle fit with a circularity score, and exact dynamic mode decomposition.
//
// Functions take plain []float64 slices so that any analyzer can call them on
// tensor data without conversion; where a function fills a result it writes
// into a caller buffer when one is given. Everything is computed in float64.
package stats
