// Package registry holds what tdw knows about installed plugins before it
// launches any: the analyzer.json and family.json schemas with their strict
// loaders, the AnalyzerRegistry and the discovery half of the FamilyRegistry,
// parameter specifications and their validation, checkpoint schedule specs,
// parameter-name globs, and variant names built from a family's pattern.
//
// Loaders never trust their input: every problem in a manifest is reported
// as a *ManifestError naming the file and the JSON path of the field (for
// example inputs.hooks[1].positions) and saying what is wrong. Discovery
// keeps going past a broken manifest, so one bad plugin folder hides no
// other.
//
// The formats are documented in docs/analyzer-json.md and docs/family-json.md.
package registry
