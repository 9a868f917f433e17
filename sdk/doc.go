// Package sdk is what a tdw plugin author imports: plain Go types for tensors,
// caches, run contexts and parameters, the Analyzer, CrossEpochAnalyzer and
// Family interfaces, and ServeAnalyzer / ServeCrossEpoch / ServeFamily, which
// are the whole of a plugin's main (see docs/writing-an-analyzer.md).
//
// Nothing generated from protobuf appears in this package's API: the wire
// format (proto/tdw/v1, docs/protocol.md) is converted to and from these types
// internally, tensors travel in 1 MiB chunks (sdk/internal/wire) or, for large
// ones, through shared memory (sdk/internal/shm).
//
// The host side of the same connection also lives here, as in go-plugin's
// examples: AnalyzerPlugin and FamilyPlugin dispense an *AnalyzerClient or
// *FamilyClient that implement the same interfaces by calling the plugin, so
// in-process and out-of-process plugins look alike to the host. Handshake,
// ProtocolVersion, GRPCDialOptions, GRPCServer and SharedArena serve the host
// (host/pluginhost) and tests (sdk/sdktest); plugin authors need none of them.
package sdk
