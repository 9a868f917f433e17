package rpc

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// familyServer is the plugin side.
type familyServer struct {
	tdwv1.UnimplementedFamilyServer
	impl sdk.Family
	info sdk.FamilyInfo
}

func (s *familyServer) Describe(context.Context, *tdwv1.DescribeFamilyRequest) (*tdwv1.FamilyDescription, error) {
	d := &tdwv1.FamilyDescription{Name: s.info.Name, Version: s.info.Version, ProtocolVersion: ProtocolVersion}
	if pf, ok := s.impl.(sdk.ProbeFamily); ok {
		d.ProbeGenerators = pf.ProbeGenerators()
	}
	return d, nil
}

func params(fp *tdwv1.FamilyParams) (sdk.Params, error) {
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
	var mc sdk.ModelConfig
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
	var tc sdk.TrainingConfig
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
	var td *sdk.TrainingData
	if err := guard("TrainingData", func() (err error) { td, err = s.impl.TrainingData(stream.Context(), p); return err }); err != nil {
		return err
	}
	if td == nil {
		return status.Error(codes.Internal, "TrainingData returned nil")
	}
	var out []named
	for _, sp := range []struct {
		group string
		ds    sdk.Dataset
		idx   []int
	}{{"train", td.Train, td.TrainIndices}, {"test", td.Test, td.TestIndices}} {
		out = append(out, named{sp.group, "tokens", sp.ds.Tokens}, named{sp.group, "labels", sp.ds.Labels})
		if sp.idx != nil {
			out = append(out, named{sp.group, "indices", sdk.FromInt64(intsToProto(sp.idx))})
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
	var ds *sdk.Dataset
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
	var m map[string]*sdk.Tensor
	if err := guard("AnalysisContext", func() (err error) { m, err = s.impl.AnalysisContext(stream.Context(), p); return err }); err != nil {
		return err
	}
	if err := sendAll(stream.Send, sortedTensors("context", m), nil); err != nil {
		return status.Errorf(codes.Internal, "AnalysisContext: %v", err)
	}
	return nil
}

// probeFamily returns the implementation's named-probe side, or the
// Unimplemented status a plugin written before named probes answers.
func (s *familyServer) probeFamily(op string) (sdk.ProbeFamily, error) {
	pf, ok := s.impl.(sdk.ProbeFamily)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "%s: family %s has no named probes", op, s.info.Name)
	}
	return pf, nil
}

func (s *familyServer) GenerateProbe(req *tdwv1.ProbeRequest, stream tdwv1.Family_GenerateProbeServer) error {
	pf, err := s.probeFamily("GenerateProbe")
	if err != nil {
		return err
	}
	p, err := paramsFromProto(req.GetParams())
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "params: %v", err)
	}
	gp, err := paramsFromProto(req.GetGeneratorParams())
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "generator params: %v", err)
	}
	spec := sdk.ProbeSpec{Name: req.GetName(), Generator: req.GetGenerator(), Params: gp}
	var ds *sdk.Dataset
	if err := guard("GenerateProbe", func() (err error) { ds, err = pf.GenerateProbe(stream.Context(), p, spec); return err }); err != nil {
		return err
	}
	if ds == nil || ds.Tokens == nil || ds.Labels == nil {
		return status.Errorf(codes.Internal, "GenerateProbe %s returned no tokens or labels", spec.Name)
	}
	if err := sendAll(stream.Send, []named{{"probe", "tokens", ds.Tokens}, {"probe", "labels", ds.Labels}}, nil); err != nil {
		return status.Errorf(codes.Internal, "GenerateProbe: %v", err)
	}
	return nil
}

func (s *familyServer) ProbeContext(stream tdwv1.Family_ProbeContextServer) error {
	pf, err := s.probeFamily("ProbeContext")
	if err != nil {
		return err
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	info := first.GetInfo()
	if info == nil {
		return status.Error(codes.InvalidArgument, "ProbeContext: first message is not the request")
	}
	p, err := paramsFromProto(info.GetParams())
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "params: %v", err)
	}
	ts, err := readRequest("ProbeContext", stream.Recv, nil, nil)
	if err != nil {
		return err
	}
	g, err := groupTensors(ts, false, "probe")
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "ProbeContext: %v", err)
	}
	probe := sdk.Probe{Name: info.GetName(), Dataset: sdk.Dataset{Tokens: g["probe"]["tokens"], Labels: g["probe"]["labels"]}}
	if probe.Tokens == nil {
		return status.Errorf(codes.InvalidArgument, "ProbeContext: probe %s has no tokens", probe.Name)
	}
	var m map[string]*sdk.Tensor
	if err := guard("ProbeContext", func() (err error) { m, err = pf.ProbeContext(stream.Context(), p, probe); return err }); err != nil {
		return err
	}
	if err := sendAll(stream.Send, sortedTensors("context", m), nil); err != nil {
		return status.Errorf(codes.Internal, "ProbeContext: %v", err)
	}
	return nil
}
