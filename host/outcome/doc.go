// Package outcome computes and stores a variant's outcome summary,
// variant_summary.json (docs/formats/variant-summary.md): loss landmarks,
// the five training windows (first descent, plateau, cascade, second
// descent, final) with their metrics, the frequencies the MLP neurons learn
// and commit to, the effective-dimensionality crossover, the circularity of
// the class centroids, transient frequencies, and a failure mode and
// performance class with the rules that fired.
//
// It is a cross-epoch stage of its own, run by host/job after an analysis:
// Compute is a pure function of Inputs and Settings (what the tests plant),
// Load gathers the Inputs through host/results (metadata.json and the
// artifacts of neuron_dynamics, effective_dimensionality, repr_geometry and,
// when present, transient_frequency) with a key that changes whenever any
// of them would, and Update writes the summary atomically when it is
// missing or its key or settings differ. An input that is not there makes
// its fields null with a reason, never a guess.
package outcome
