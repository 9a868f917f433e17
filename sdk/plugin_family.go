package sdk

import (
	"context"
	"fmt"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
)

// FamilyPlugin is the go-plugin Plugin for model families. A plugin binary
// sets Impl (ServeFamily does this); the host dispenses a *FamilyClient,
// which implements Family by calling the plugin.
type FamilyPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the family (plugin side only).
	Impl Family
	// DescribeTimeout bounds the Describe call made when the host dispenses
	// the plugin (host side only; default 30s).
	DescribeTimeout time.Duration
}

// GRPCServer registers the family service; go-plugin calls it in the plugin.
func (p *FamilyPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return fmt.Errorf("sdk: FamilyPlugin.Impl is nil")
	}
	tdwv1.RegisterFamilyServer(s, &familyServer{impl: p.Impl, info: p.Impl.Info()})
	return nil
}

// GRPCClient returns the host's view of the plugin, a *FamilyClient. It calls
// Describe once, so Info needs no call.
func (p *FamilyPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	c := tdwv1.NewFamilyClient(conn)
	timeout := p.DescribeTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := c.Describe(dctx, &tdwv1.DescribeFamilyRequest{ProtocolVersion: ProtocolVersion})
	if err != nil {
		return nil, fmt.Errorf("Describe: %w", err)
	}
	if d.GetProtocolVersion() != ProtocolVersion {
		return nil, fmt.Errorf("plugin speaks protocol version %d, host speaks %d", d.GetProtocolVersion(), ProtocolVersion)
	}
	return &FamilyClient{client: c, info: FamilyInfo{Name: d.GetName(), Version: d.GetVersion()}}, nil
}

// FamilyClient is the host's handle on a family plugin; it implements Family.
type FamilyClient struct {
	client tdwv1.FamilyClient
	info   FamilyInfo
}

// Info returns the self-description the plugin gave when dispensed.
func (c *FamilyClient) Info() FamilyInfo { return c.info }

func familyParams(p Params) (*tdwv1.FamilyParams, error) {
	pp, err := paramsToProto(p)
	if err != nil {
		return nil, err
	}
	return &tdwv1.FamilyParams{Params: pp}, nil
}

// ModelConfig asks the plugin for the model configuration of p.
func (c *FamilyClient) ModelConfig(ctx context.Context, p Params) (ModelConfig, error) {
	fp, err := familyParams(p)
	if err != nil {
		return ModelConfig{}, err
	}
	mc, err := c.client.ModelConfig(ctx, fp)
	if err != nil {
		return ModelConfig{}, err
	}
	return modelConfigFromProto(mc), nil
}

// TrainingConfig asks the plugin for the training defaults of p.
func (c *FamilyClient) TrainingConfig(ctx context.Context, p Params) (TrainingConfig, error) {
	fp, err := familyParams(p)
	if err != nil {
		return TrainingConfig{}, err
	}
	tc, err := c.client.TrainingConfig(ctx, fp)
	if err != nil {
		return TrainingConfig{}, err
	}
	return trainingConfigFromProto(tc), nil
}

type tensorStream interface {
	Recv() (*tdwv1.TensorFrame, error)
}

func (c *FamilyClient) fetch(ctx context.Context, p Params, call func(context.Context, *tdwv1.FamilyParams, ...grpc.CallOption) (tensorStream, error), groups ...string) (map[string]map[string]*Tensor, error) {
	fp, err := familyParams(p)
	if err != nil {
		return nil, err
	}
	stream, err := call(ctx, fp)
	if err != nil {
		return nil, err
	}
	ts, err := recvTensors(stream.Recv, nil)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(ts, false, groups...)
	if err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	return g, nil
}

// TrainingData asks the plugin for the training and test split of p.
func (c *FamilyClient) TrainingData(ctx context.Context, p Params) (*TrainingData, error) {
	g, err := c.fetch(ctx, p, func(ctx context.Context, fp *tdwv1.FamilyParams, o ...grpc.CallOption) (tensorStream, error) {
		return c.client.TrainingData(ctx, fp, o...)
	}, "train", "test")
	if err != nil {
		return nil, err
	}
	td := &TrainingData{}
	for _, s := range []struct {
		group string
		ds    *Dataset
		idx   *[]int
	}{{"train", &td.Train, &td.TrainIndices}, {"test", &td.Test, &td.TestIndices}} {
		m := g[s.group]
		s.ds.Tokens, s.ds.Labels = m["tokens"], m["labels"]
		if s.ds.Tokens == nil || s.ds.Labels == nil {
			return nil, fmt.Errorf("reply: %s split lacks tokens or labels", s.group)
		}
		if ix := m["indices"]; ix != nil {
			if ix.DType() != Int64 {
				return nil, fmt.Errorf("reply: %s/indices is %s, want int64", s.group, ix.DType())
			}
			*s.idx = make([]int, ix.Len())
			for i, v := range ix.Int64s() {
				(*s.idx)[i] = int(v)
			}
		}
	}
	return td, nil
}

// Probe asks the plugin for the analysis probe of p.
func (c *FamilyClient) Probe(ctx context.Context, p Params) (*Dataset, error) {
	g, err := c.fetch(ctx, p, func(ctx context.Context, fp *tdwv1.FamilyParams, o ...grpc.CallOption) (tensorStream, error) {
		return c.client.Probe(ctx, fp, o...)
	}, "probe")
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Tokens: g["probe"]["tokens"], Labels: g["probe"]["labels"]}
	if ds.Tokens == nil || ds.Labels == nil {
		return nil, fmt.Errorf("reply: probe lacks tokens or labels")
	}
	return ds, nil
}

// AnalysisContext asks the plugin for the analysis context of p.
func (c *FamilyClient) AnalysisContext(ctx context.Context, p Params) (map[string]*Tensor, error) {
	g, err := c.fetch(ctx, p, func(ctx context.Context, fp *tdwv1.FamilyParams, o ...grpc.CallOption) (tensorStream, error) {
		return c.client.AnalysisContext(ctx, fp, o...)
	}, "context")
	if err != nil {
		return nil, err
	}
	return g["context"], nil
}

// familyServer is the plugin side.
type familyServer struct {
	tdwv1.UnimplementedFamilyServer
	impl Family
	info FamilyInfo
}

func (s *familyServer) Describe(context.Context, *tdwv1.DescribeFamilyRequest) (*tdwv1.FamilyDescription, error) {
	return &tdwv1.FamilyDescription{Name: s.info.Name, Version: s.info.Version, ProtocolVersion: ProtocolVersion}, nil
}

func params(fp *tdwv1.FamilyParams) (Params, error) {
	p, err := paramsFromProto(fp.GetParams())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "params: %v", err)
	}
	return p, nil
}

func (s *familyServer) ModelConfig(ctx context.Context, fp *tdwv1.FamilyParams) (*tdwv1.ModelConfig, error) {
	p, err := params(fp)
	if err != nil {
		return nil, err
	}
	var mc ModelConfig
	if err := guard("ModelConfig", func() (err error) { mc, err = s.impl.ModelConfig(ctx, p); return err }); err != nil {
		return nil, err
	}
	return modelConfigToProto(mc), nil
}

func (s *familyServer) TrainingConfig(ctx context.Context, fp *tdwv1.FamilyParams) (*tdwv1.TrainingConfig, error) {
	p, err := params(fp)
	if err != nil {
		return nil, err
	}
	var tc TrainingConfig
	if err := guard("TrainingConfig", func() (err error) { tc, err = s.impl.TrainingConfig(ctx, p); return err }); err != nil {
		return nil, err
	}
	return trainingConfigToProto(tc), nil
}

func (s *familyServer) TrainingData(fp *tdwv1.FamilyParams, stream tdwv1.Family_TrainingDataServer) error {
	p, err := params(fp)
	if err != nil {
		return err
	}
	var td *TrainingData
	if err := guard("TrainingData", func() (err error) { td, err = s.impl.TrainingData(stream.Context(), p); return err }); err != nil {
		return err
	}
	if td == nil {
		return status.Error(codes.Internal, "TrainingData returned nil")
	}
	var out []named
	for _, sp := range []struct {
		group string
		ds    Dataset
		idx   []int
	}{{"train", td.Train, td.TrainIndices}, {"test", td.Test, td.TestIndices}} {
		out = append(out, named{sp.group, "tokens", sp.ds.Tokens}, named{sp.group, "labels", sp.ds.Labels})
		if sp.idx != nil {
			out = append(out, named{sp.group, "indices", FromInt64(intsToProto(sp.idx))})
		}
	}
	if err := sendAll(stream.Send, out, nil); err != nil {
		return status.Errorf(codes.Internal, "TrainingData: %v", err)
	}
	return nil
}

func (s *familyServer) Probe(fp *tdwv1.FamilyParams, stream tdwv1.Family_ProbeServer) error {
	p, err := params(fp)
	if err != nil {
		return err
	}
	var ds *Dataset
	if err := guard("Probe", func() (err error) { ds, err = s.impl.Probe(stream.Context(), p); return err }); err != nil {
		return err
	}
	if ds == nil {
		return status.Error(codes.Internal, "Probe returned nil")
	}
	if err := sendAll(stream.Send, []named{{"probe", "tokens", ds.Tokens}, {"probe", "labels", ds.Labels}}, nil); err != nil {
		return status.Errorf(codes.Internal, "Probe: %v", err)
	}
	return nil
}

func (s *familyServer) AnalysisContext(fp *tdwv1.FamilyParams, stream tdwv1.Family_AnalysisContextServer) error {
	p, err := params(fp)
	if err != nil {
		return err
	}
	var m map[string]*Tensor
	if err := guard("AnalysisContext", func() (err error) { m, err = s.impl.AnalysisContext(stream.Context(), p); return err }); err != nil {
		return err
	}
	if err := sendAll(stream.Send, sortedTensors("context", m), nil); err != nil {
		return status.Errorf(codes.Internal, "AnalysisContext: %v", err)
	}
	return nil
}
