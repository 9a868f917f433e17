// Package sdk is what a tdw plugin author imports: plain Go types for tensors,
// caches, run contexts and parameters, and the Analyzer, CrossEpochAnalyzer,
// Family and Host interfaces. A plugin implements one of them and hands it to
// sdk/plugin's ServeAnalyzer, ServeCrossEpoch or ServeFamily, which is the
// whole of its main (see docs/writing-an-analyzer.md); sdk/sdktest runs it
// through the same path in a test.
//
// The package is types only: it imports no gRPC, no go-plugin and nothing
// generated from protobuf, so the host's engine and file formats can use
// Tensor and ModelConfig without pulling in the plugin transport. The wire
// protocol (proto/tdw/v1, docs/protocol.md) is converted to and from these
// types in the module-private internal/rpc, which also holds the host's
// clients and shared-memory arena.
package sdk
