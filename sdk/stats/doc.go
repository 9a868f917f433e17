// Package stats holds the small statistics tdw analyzers share: inequality and
// spread measures (Gini coefficient, participation ratio) and principal
// component analysis over gonum.
//
// Functions take plain []float64 slices so that any analyzer can call them on
// tensor data without conversion; where a function fills a result it writes
// into a caller buffer when one is given.
package stats
