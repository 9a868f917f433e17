// Package probe is the domain model's Probe as a variant keeps it: the named
// inputs its checkpoints are analyzed on, recorded in the variant's folder
// (probes/probes.json and one folder of .npy files per probe;
// docs/formats/probes.md).
//
// A variant's probes come from two places. The family declares some in
// family.json ("probes"); Ensure has the family plugin generate the ones a
// variant does not hold yet, when the variant is trained and, for a variant
// trained before probes were recorded, on first use. A researcher adds
// others from files (Add). Either way a recorded probe is never changed: its
// files' sha256 are in probes.json, Load verifies them every time and
// refuses a probe whose files no longer match, naming the file.
//
// Writers hold the variant's lock (host/lockfile) while they call Ensure or
// Add; readers need none: probes.json is replaced atomically after the files
// it lists are written.
package probe
