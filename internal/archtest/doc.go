// Package archtest holds tests of the module's package structure, the rules
// of docs that `go build` cannot check: which packages may depend on the
// plugin transport. It has no code of its own.
package archtest
