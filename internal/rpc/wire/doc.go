// Package wire moves tensors over tdw's gRPC streams: a TensorHeader followed
// by chunks of at most ChunkSize bytes, or a header with a shared-memory
// reference and no chunks. It knows nothing of sdk types; package rpc
// converts sdk.Tensor to and from wire.Tensor.
package wire
