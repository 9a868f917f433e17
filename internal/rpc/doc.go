// Package rpc is the gRPC side of tdw's plugin protocol (proto/tdw/v1,
// docs/protocol.md), shared by the host and plugins and private to this
// module: the go-plugin handshake and protocol version, the Plugin
// implementations go-plugin dispenses, the host's clients (AnalyzerClient,
// FamilyClient) and the plugin's servers, the host callback service,
// conversion between protobuf messages and sdk types, and the shared-memory
// fast path (SharedArena, with the regions themselves in rpc/shm and the
// tensor frames in rpc/wire).
//
// Plugin authors never import it: they implement the plain interfaces of
// package sdk and call sdk/plugin's Serve functions, which build on this
// package. The host (host/pluginhost) launches plugins with Handshake,
// GRPCDialOptions and the Plugin types here, so both sides of a connection
// are one code base.
package rpc
