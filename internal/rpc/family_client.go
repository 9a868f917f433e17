package rpc

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// FamilyClient is the host's handle on a family plugin; it implements
// sdk.ProbeFamily, whose named-probe calls reach only a plugin that lists
// probe generators.
type FamilyClient struct {
	client     tdwv1.FamilyClient
	info       sdk.FamilyInfo
	generators []string
}

var _ sdk.ProbeFamily = (*FamilyClient)(nil)

// Info returns the self-description the plugin gave when dispensed.
func (c *FamilyClient) Info() sdk.FamilyInfo { return c.info }

// familyParams is the request every family call but Describe takes.
func familyParams(p sdk.Params) (*tdwv1.FamilyParams, error) {
	pp, err := paramsToProto(p)
	if err != nil {
		return nil, err
	}
	return &tdwv1.FamilyParams{Params: pp}, nil
}

// ModelConfig asks the plugin for the model configuration of p.
func (c *FamilyClient) ModelConfig(ctx context.Context, p sdk.Params) (sdk.ModelConfig, error) {
	fp, err := familyParams(p)
	if err != nil {
		return sdk.ModelConfig{}, err
	}
	mc, err := c.client.ModelConfig(ctx, fp)
	if err != nil {
		return sdk.ModelConfig{}, err
	}
	return modelConfigFromProto(mc), nil
}

// TrainingConfig asks the plugin for the training defaults of p.
func (c *FamilyClient) TrainingConfig(ctx context.Context, p sdk.Params) (sdk.TrainingConfig, error) {
	fp, err := familyParams(p)
	if err != nil {
		return sdk.TrainingConfig{}, err
	}
	tc, err := c.client.TrainingConfig(ctx, fp)
	if err != nil {
		return sdk.TrainingConfig{}, err
	}
	return trainingConfigFromProto(tc), nil
}

// tensorStream is the reply side of a family call that streams tensors.
type tensorStream interface {
	Recv() (*tdwv1.TensorFrame, error)
}

// fetch makes one streaming family call for p and sorts its reply into
// groups.
func (c *FamilyClient) fetch(ctx context.Context, p sdk.Params, call func(context.Context, *tdwv1.FamilyParams, ...grpc.CallOption) (tensorStream, error), groups ...string) (map[string]map[string]*sdk.Tensor, error) {
	fp, err := familyParams(p)
	if err != nil {
		return nil, err
	}
	stream, err := call(ctx, fp)
	if err != nil {
		return nil, err
	}
	ts, err := readReply("reply", bare(stream.Recv), nil, 0)
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
func (c *FamilyClient) TrainingData(ctx context.Context, p sdk.Params) (*sdk.TrainingData, error) {
	g, err := c.fetch(ctx, p, func(ctx context.Context, fp *tdwv1.FamilyParams, o ...grpc.CallOption) (tensorStream, error) {
		return c.client.TrainingData(ctx, fp, o...)
	}, "train", "test")
	if err != nil {
		return nil, err
	}
	td := &sdk.TrainingData{}
	for _, s := range []struct {
		group string
		ds    *sdk.Dataset
		idx   *[]int
	}{{"train", &td.Train, &td.TrainIndices}, {"test", &td.Test, &td.TestIndices}} {
		m := g[s.group]
		s.ds.Tokens, s.ds.Labels = m["tokens"], m["labels"]
		if s.ds.Tokens == nil || s.ds.Labels == nil {
			return nil, fmt.Errorf("reply: %s split lacks tokens or labels", s.group)
		}
		if ix := m["indices"]; ix != nil {
			if ix.DType() != sdk.Int64 {
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
func (c *FamilyClient) Probe(ctx context.Context, p sdk.Params) (*sdk.Dataset, error) {
	g, err := c.fetch(ctx, p, func(ctx context.Context, fp *tdwv1.FamilyParams, o ...grpc.CallOption) (tensorStream, error) {
		return c.client.Probe(ctx, fp, o...)
	}, "probe")
	if err != nil {
		return nil, err
	}
	ds := &sdk.Dataset{Tokens: g["probe"]["tokens"], Labels: g["probe"]["labels"]}
	if ds.Tokens == nil || ds.Labels == nil {
		return nil, fmt.Errorf("reply: probe lacks tokens or labels")
	}
	return ds, nil
}

// AnalysisContext asks the plugin for the analysis context of p.
func (c *FamilyClient) AnalysisContext(ctx context.Context, p sdk.Params) (map[string]*sdk.Tensor, error) {
	g, err := c.fetch(ctx, p, func(ctx context.Context, fp *tdwv1.FamilyParams, o ...grpc.CallOption) (tensorStream, error) {
		return c.client.AnalysisContext(ctx, fp, o...)
	}, "context")
	if err != nil {
		return nil, err
	}
	return g["context"], nil
}

// ProbeGenerators returns the probe generator names the plugin listed when
// dispensed; none for a plugin written before named probes, which serves
// only its Probe.
func (c *FamilyClient) ProbeGenerators() []string { return append([]string(nil), c.generators...) }

// GenerateProbe asks the plugin for one of its named probes. A plugin that
// lists no generators is not asked: the error says it has only its Probe.
func (c *FamilyClient) GenerateProbe(ctx context.Context, p sdk.Params, spec sdk.ProbeSpec) (*sdk.Dataset, error) {
	if len(c.generators) == 0 {
		return nil, errNoProbeGenerators(c.info)
	}
	pp, err := paramsToProto(p)
	if err != nil {
		return nil, err
	}
	gp, err := paramsToProto(spec.Params)
	if err != nil {
		return nil, fmt.Errorf("probe %s: generator params: %w", spec.Name, err)
	}
	stream, err := c.client.GenerateProbe(ctx, &tdwv1.ProbeRequest{Params: pp, Name: spec.Name, Generator: spec.Generator, GeneratorParams: gp})
	if err != nil {
		return nil, err
	}
	ts, err := readReply("reply", bare(stream.Recv), nil, 0)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(ts, false, "probe")
	if err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	ds := &sdk.Dataset{Tokens: g["probe"]["tokens"], Labels: g["probe"]["labels"]}
	if ds.Tokens == nil || ds.Labels == nil {
		return nil, fmt.Errorf("reply: probe %s lacks tokens or labels", spec.Name)
	}
	return ds, nil
}

// ProbeContext asks the plugin for the analysis context over a probe's rows.
// A plugin that lists no generators is not asked (see GenerateProbe).
func (c *FamilyClient) ProbeContext(ctx context.Context, p sdk.Params, probe sdk.Probe) (map[string]*sdk.Tensor, error) {
	if len(c.generators) == 0 {
		return nil, errNoProbeGenerators(c.info)
	}
	pp, err := paramsToProto(p)
	if err != nil {
		return nil, err
	}
	stream, err := c.client.ProbeContext(ctx)
	if err != nil {
		return nil, err
	}
	info := &tdwv1.ProbeContextInfo{Params: pp, Name: probe.Name}
	if err := stream.Send(&tdwv1.ProbeContextFrame{Kind: &tdwv1.ProbeContextFrame_Info{Info: info}}); err != nil {
		return nil, streamErr(stream.Recv, err)
	}
	send := func(f *tdwv1.TensorFrame) error {
		return stream.Send(&tdwv1.ProbeContextFrame{Kind: &tdwv1.ProbeContextFrame_Tensor{Tensor: f}})
	}
	ts := []named{{"probe", "tokens", probe.Tokens}}
	if probe.Labels != nil {
		ts = append(ts, named{"probe", "labels", probe.Labels})
	}
	if err := sendAll(send, ts, nil); err != nil {
		return nil, streamErr(stream.Recv, err)
	}
	if err := stream.CloseSend(); err != nil {
		return nil, err
	}
	reply, err := readReply("reply", bare(stream.Recv), nil, 0)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(reply, false, "context")
	if err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	return g["context"], nil
}

func errNoProbeGenerators(info sdk.FamilyInfo) error {
	return fmt.Errorf("family plugin %s %s has no named probes (it lists no probe generators): only its default probe", info.Name, info.Version)
}
