package rpc

import "google.golang.org/grpc"

// Transport limits. Tensors travel in 1 MiB chunks (wire.ChunkSize), so the
// raised message limits are headroom, not a requirement; the large HTTP/2
// flow-control windows let a stream of chunks run without waiting for
// window updates.
const (
	maxMessageSize = 64 << 20
	windowSize     = 16 << 20
	bufferSize     = 1 << 20
)

// GRPCDialOptions returns the gRPC options the host dials plugins with
// (go-plugin's ClientConfig.GRPCDialOptions), and a plugin dials the host's
// callback service with: raised message limits and flow-control windows
// matching GRPCServer.
func GRPCDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)),
		grpc.WithInitialWindowSize(windowSize),
		grpc.WithInitialConnWindowSize(windowSize),
		grpc.WithReadBufferSize(bufferSize),
		grpc.WithWriteBufferSize(bufferSize),
	}
}

// GRPCServer builds the gRPC server a plugin serves on (go-plugin's
// ServeConfig.GRPCServer), with the limits of GRPCDialOptions.
func GRPCServer(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append(opts, serverOptions()...)...)
}

func serverOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		grpc.InitialWindowSize(windowSize),
		grpc.InitialConnWindowSize(windowSize),
		grpc.ReadBufferSize(bufferSize),
		grpc.WriteBufferSize(bufferSize),
	}
}
