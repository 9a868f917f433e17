// Package sdk is what a tdw plugin author imports: plain Go types for tensors,
// caches, run contexts and parameters, the Analyzer and Family interfaces, and
// ServeAnalyzer / ServeFamily, which are the whole of a plugin's main.
//
// Nothing generated from protobuf appears in this package's API: the wire
// format is converted to and from these types internally.
package sdk
