// Package results is the one read API of a results tree
// (docs/formats/results-tree.md): the variants of a family, a variant's
// analysis manifest and the artifacts it records, one npz entry (sliced by
// an index), an analyzer's arrays stacked over epochs, summaries,
// cross-epoch files and whether an artifact is on disk.
//
// Every path into the tree is built here (the variant folder's own files
// excepted: host/variant names those), and every file this package opens is
// first resolved, symbolic links included, and refused with an error
// wrapping ErrEscape when it lies outside the results folder. The dashboard,
// the figures, the CLI and the analysis run all read through it, so they
// answer the same errors: ErrNotFound for what the tree does not hold,
// ErrSelection for an index that does not fit an array.
//
// Writing stays with the writers: host/analysis writes the manifest and the
// artifacts at the paths Artifacts gives it, host/variant the variant folder.
package results
