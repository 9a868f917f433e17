// Package variant is the Variant of the domain model: one trained (or to be
// trained) model of a family, living in results/{family}/{variant}/.
//
// A variant's state is read from disk every time it is asked for, never
// cached: UNTRAINED until its training completes, TRAINED once metadata.json
// says so and the checkpoints it lists are present, ANALYZED once an analysis
// run has written analysis/manifest.json. The layout and the file formats are
// documented in docs/formats/results-tree.md.
//
// Training (Train) runs the host's engine on the data a family plugin
// supplies, writes checkpoints on a schedule, keeps a resumable state at every
// checkpoint and on cancellation, and records everything in metadata.json.
package variant
