// Package corpus is the family-level table of variant outcomes: one row
// per variant of a family, with its parameters and the landmarks, windows,
// classification and key frequencies of its variant summary
// (host/outcome), filtered by --where conditions, sorted by any column,
// and written as CSV or JSON (docs/cli.md, tdw-host corpus; the
// dashboard's variants table shows the same cells).
package corpus
