// Package modadd is the modular-addition model family: a one-layer
// transformer trained on (a + b) mod p, the calibration model of Nanda et al.
// 2023 ("Progress measures for grokking via mechanistic interpretability").
//
// Family turns the domain parameters (prime, seed, data_seed,
// train_fraction) into a TransformerLens model configuration, the full-grid
// training data and its split, its named probes (the full grid, each split,
// a few pairs per residue class: probes.go) and the analysis context over
// any probe (Fourier basis, labels, train mask, probe shape). It is served as a plugin by the
// main package beside it and can be used in-process by tests.
package modadd
