package rpc

import (
	"context"
	"fmt"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// FamilyPlugin is the go-plugin Plugin for model families. A plugin binary
// sets Impl (sdk/plugin's ServeFamily does this); the host dispenses a
// *FamilyClient, which implements sdk.Family by calling the plugin.
type FamilyPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the family (plugin side only).
	Impl sdk.Family
	// DescribeTimeout bounds the Describe call made when the host dispenses
	// the plugin (host side only; default 30s).
	DescribeTimeout time.Duration
}

// GRPCServer registers the family service; go-plugin calls it in the plugin.
func (p *FamilyPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return fmt.Errorf("rpc: FamilyPlugin.Impl is nil")
	}
	tdwv1.RegisterFamilyServer(s, &familyServer{impl: p.Impl, info: p.Impl.Info()})
	return nil
}

// GRPCClient returns the host's view of the plugin, a *FamilyClient. It calls
// Describe once, so Info needs no call.
func (p *FamilyPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	c := tdwv1.NewFamilyClient(conn)
	dctx, cancel := context.WithTimeout(ctx, describeTimeout(p.DescribeTimeout))
	defer cancel()
	d, err := c.Describe(dctx, &tdwv1.DescribeFamilyRequest{ProtocolVersion: ProtocolVersion})
	if err != nil {
		return nil, fmt.Errorf("Describe: %w", err)
	}
	if err := checkProtocol(d.GetProtocolVersion()); err != nil {
		return nil, err
	}
	return &FamilyClient{client: c, info: sdk.FamilyInfo{Name: d.GetName(), Version: d.GetVersion()}, generators: d.GetProbeGenerators()}, nil
}
