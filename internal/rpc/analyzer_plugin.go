package rpc

import (
	"context"
	"fmt"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// AnalyzerPlugin is the go-plugin Plugin for analyzers. A plugin binary sets
// Impl (sdk/plugin's ServeAnalyzer and ServeCrossEpoch do this); the host
// leaves Impl nil and dispenses an *AnalyzerClient, which implements both
// sdk.Analyzer and sdk.CrossEpochAnalyzer by calling the plugin, so
// in-process and out-of-process analyzers look the same to the host.
type AnalyzerPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is an sdk.Analyzer or an sdk.CrossEpochAnalyzer (plugin side only).
	Impl any
	// SharedMemory lets the host pass large tensors through shared memory
	// instead of streaming them (host side only; see docs/protocol.md).
	SharedMemory bool
	// DescribeTimeout bounds the Describe call made when the host dispenses
	// the plugin (host side only; default 30s).
	DescribeTimeout time.Duration
	// Logger receives the host side's warnings (default: hclog's default).
	Logger hclog.Logger
	// MaxReplyBytes, when positive, caps the tensor bytes of one Analyze
	// or AnalyzeAcross reply (host side only): a reply announcing more is
	// refused before its bytes are received.
	MaxReplyBytes int64
}

// GRPCServer registers the analyzer service; go-plugin calls it in the plugin.
func (p *AnalyzerPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	srv := &analyzerServer{broker: broker}
	switch impl := p.Impl.(type) {
	case sdk.Analyzer:
		srv.per = impl
		srv.info = impl.Info()
	case sdk.CrossEpochAnalyzer:
		srv.across = impl
		srv.info = impl.Info()
	default:
		return fmt.Errorf("rpc: AnalyzerPlugin.Impl is %T, neither an sdk.Analyzer nor an sdk.CrossEpochAnalyzer", p.Impl)
	}
	tdwv1.RegisterAnalyzerServer(s, srv)
	return nil
}

// GRPCClient returns the host's view of the plugin: an *AnalyzerClient. It
// calls Describe once, so Info needs no call.
func (p *AnalyzerPlugin) GRPCClient(ctx context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	c := tdwv1.NewAnalyzerClient(conn)
	dctx, cancel := context.WithTimeout(ctx, describeTimeout(p.DescribeTimeout))
	defer cancel()
	d, err := c.Describe(dctx, &tdwv1.DescribeAnalyzerRequest{ProtocolVersion: ProtocolVersion})
	if err != nil {
		return nil, fmt.Errorf("Describe: %w", err)
	}
	if err := checkProtocol(d.GetProtocolVersion()); err != nil {
		return nil, err
	}
	log := p.Logger
	if log == nil {
		log = hclog.Default()
	}
	return &AnalyzerClient{
		client:   c,
		broker:   broker,
		info:     sdk.AnalyzerInfo{Name: d.GetName(), Version: d.GetVersion(), Kind: sdk.Kind(d.GetKind())},
		share:    newSharer(p.SharedMemory, c, log),
		maxReply: p.MaxReplyBytes,
	}, nil
}

// describeTimeout is the bound on the Describe call of a dispense: d, or 30s
// when d is not positive.
func describeTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 30 * time.Second
	}
	return d
}

// checkProtocol refuses a plugin whose Describe announces another protocol
// version than the handshake did.
func checkProtocol(v uint32) error {
	if v != ProtocolVersion {
		return fmt.Errorf("plugin speaks protocol version %d, host speaks %d", v, ProtocolVersion)
	}
	return nil
}
