// Package analysis runs analyzers over a variant's checkpoints: the domain
// model's AnalysisRun and AnalysisRunConfig. What a run wrote is read back
// through host/results (results.Reader is the ArtifactLoader).
//
// A run loads each checkpoint once, runs one forward pass over the family's
// probe keeping only the union of what the selected analyzers declare, sends
// each analyzer exactly its declared inputs, and runs the analyzers of a
// checkpoint concurrently, each in its own plugin process, while the next
// checkpoint's forward pass is computed. Cross-epoch analyzers run afterwards,
// in dependency order, on the stacked artifacts they declare.
//
// Everything is written under results/{family}/{variant}/analysis/, at the
// paths host/results names, through temporary files and renames, and
// recorded in manifest.json (results.Manifest), which is the record of
// completion: a rerun computes only what is missing or stale (a checkpoint
// whose hash changed, an analyzer whose version or settings changed), and a
// run killed at any moment is resumed by running it again.
// The files are documented in docs/formats/analysis.md.
package analysis
