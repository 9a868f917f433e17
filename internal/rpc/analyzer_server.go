package rpc

import (
	"context"
	"fmt"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// analyzerServer is the plugin side: it serves an author's sdk.Analyzer or
// sdk.CrossEpochAnalyzer.
type analyzerServer struct {
	tdwv1.UnimplementedAnalyzerServer
	broker *plugin.GRPCBroker
	info   sdk.AnalyzerInfo
	per    sdk.Analyzer
	across sdk.CrossEpochAnalyzer
	maps   mappings

	mu       sync.Mutex
	hostConn *grpc.ClientConn
	// calls serializes the author's methods, which need not be safe for
	// concurrent use: a call the host abandoned (its context cancelled) may
	// still be running when the next one arrives.
	calls sync.Mutex
}

func (s *analyzerServer) Describe(context.Context, *tdwv1.DescribeAnalyzerRequest) (*tdwv1.AnalyzerDescription, error) {
	return &tdwv1.AnalyzerDescription{Name: s.info.Name, Version: s.info.Version, Kind: string(s.info.Kind), ProtocolVersion: ProtocolVersion}, nil
}

func (s *analyzerServer) AttachShared(_ context.Context, req *tdwv1.AttachSharedRequest) (*tdwv1.AttachSharedResponse, error) {
	if err := s.maps.attach(req); err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	return &tdwv1.AttachSharedResponse{}, nil
}

func (s *analyzerServer) ReleaseShared(_ context.Context, req *tdwv1.ReleaseSharedRequest) (*tdwv1.ReleaseSharedResponse, error) {
	s.maps.release(req.GetRegion())
	return &tdwv1.ReleaseSharedResponse{}, nil
}

// run rebuilds a Run from its RunInfo, dialing the host's callback service.
func (s *analyzerServer) run(ri *tdwv1.RunInfo) (*sdk.Run, error) {
	params, err := paramsFromProto(ri.GetParams())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "run params: %v", err)
	}
	settings, err := paramsFromProto(ri.GetSettings())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "run settings: %v", err)
	}
	run := &sdk.Run{
		Family: ri.GetFamily(), Variant: ri.GetVariant(), Probe: ri.GetProbe(), Params: params, Settings: settings,
		Model: modelConfigFromProto(ri.GetModel()), Epochs: intsFromProto(ri.GetEpochs()),
		Context: map[string]*sdk.Tensor{},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeHostLocked()
	if id := ri.GetHostBrokerId(); id != 0 && s.broker != nil {
		conn, err := s.broker.DialWithOptions(id, GRPCDialOptions()...)
		if err != nil {
			return nil, status.Errorf(codes.Unavailable, "dial host service: %v", err)
		}
		s.hostConn = conn
		run.Host = &hostClient{client: tdwv1.NewHostClient(conn)}
	}
	return run, nil
}

// closeHost hangs up on the host's callback service of the last run.
func (s *analyzerServer) closeHost() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeHostLocked()
}

func (s *analyzerServer) closeHostLocked() {
	if s.hostConn != nil {
		_ = s.hostConn.Close()
		s.hostConn = nil
	}
}

// lacks is the error for a call the analyzer's kind does not offer.
func (s *analyzerServer) lacks(method string) error {
	return status.Errorf(codes.Unimplemented, "analyzer %s is %s: it has no %s", s.info.Name, s.info.Kind, method)
}

func (s *analyzerServer) Begin(stream tdwv1.Analyzer_BeginServer) error {
	if s.per == nil {
		return s.lacks("Begin")
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ri := first.GetRun()
	if ri == nil {
		return status.Error(codes.InvalidArgument, "Begin: first message is not the run")
	}
	ts, err := readRequest("Begin", stream.Recv, nil, s.maps.resolve)
	if err != nil {
		return err
	}
	run, err := s.run(ri)
	if err != nil {
		return err
	}
	// The run's context outlives this call, so shared views are copied.
	g, err := groupTensors(ts, true, "context")
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "Begin: %v", err)
	}
	run.Context = g["context"]
	if err := s.serial(func() error { return guard("Begin", func() error { return s.per.Begin(stream.Context(), run) }) }); err != nil {
		return err
	}
	return stream.SendAndClose(&tdwv1.BeginResponse{})
}

func (s *analyzerServer) Analyze(stream tdwv1.Analyzer_AnalyzeServer) error {
	if s.per == nil {
		return s.lacks("Analyze")
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ci := first.GetCheckpoint()
	if ci == nil {
		return status.Error(codes.InvalidArgument, "Analyze: first message is not the checkpoint")
	}
	ts, err := readRequest("Analyze", stream.Recv, nil, s.maps.resolve)
	if err != nil {
		return err
	}
	g, err := groupTensors(ts, false, "hooks", "weights", "logits")
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "Analyze: %v", err)
	}
	cp := &sdk.Checkpoint{Epoch: int(ci.GetEpoch()), Hooks: g["hooks"], Weights: g["weights"], Logits: g["logits"]["logits"]}
	var res *sdk.Result
	if err := s.serial(func() error {
		return guard("Analyze", func() (err error) { res, err = s.per.Analyze(stream.Context(), cp); return err })
	}); err != nil {
		return err
	}
	if res == nil {
		res = &sdk.Result{}
	}
	out := append(sortedTensors("arrays", res.Arrays), sortedTensors("summary", res.Summary)...)
	if err := sendAll(stream.Send, out, nil); err != nil {
		return status.Errorf(codes.Internal, "Analyze result: %v", err)
	}
	return nil
}

func (s *analyzerServer) End(ctx context.Context, _ *tdwv1.EndRequest) (*tdwv1.EndResponse, error) {
	if s.per == nil {
		return nil, s.lacks("End")
	}
	err := s.serial(func() error { return guard("End", func() error { return s.per.End(ctx) }) })
	s.closeHost()
	if err != nil {
		return nil, err
	}
	return &tdwv1.EndResponse{}, nil
}

func (s *analyzerServer) AnalyzeAcross(stream tdwv1.Analyzer_AnalyzeAcrossServer) error {
	if s.across == nil {
		return s.lacks("AnalyzeAcross")
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ri := first.GetRun()
	if ri == nil {
		return status.Error(codes.InvalidArgument, "AnalyzeAcross: first message is not the run")
	}
	inputs, err := s.recvStacked(stream)
	if err != nil {
		return err
	}
	run, err := s.run(ri)
	if err != nil {
		return err
	}
	defer s.closeHost()
	var out map[string]*sdk.Tensor
	if err := s.serial(func() error {
		return guard("AnalyzeAcross", func() (err error) { out, err = s.across.AnalyzeAcross(stream.Context(), run, inputs); return err })
	}); err != nil {
		return err
	}
	if err := sendAll(stream.Send, sortedTensors("arrays", out), nil); err != nil {
		return status.Errorf(codes.Internal, "AnalyzeAcross result: %v", err)
	}
	return nil
}

// recvStacked reads AnalyzeAcross's inputs: per source a StackedInfo, then
// its tensors in the group named after the source.
func (s *analyzerServer) recvStacked(stream tdwv1.Analyzer_AnalyzeAcrossServer) (map[string]*sdk.Stacked, error) {
	inputs := map[string]*sdk.Stacked{}
	var order []string
	stacked := func(f *tdwv1.AcrossFrame) (bool, error) {
		st := f.GetStacked()
		if st == nil {
			return false, nil
		}
		if _, dup := inputs[st.GetSource()]; dup {
			return true, fmt.Errorf("input %q sent twice", st.GetSource())
		}
		inputs[st.GetSource()] = &sdk.Stacked{Epochs: intsFromProto(st.GetEpochs()), Arrays: map[string]*sdk.Tensor{}}
		order = append(order, st.GetSource())
		return true, nil
	}
	ts, err := readRequest("AnalyzeAcross", stream.Recv, stacked, s.maps.resolve)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(ts, false, order...)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "AnalyzeAcross: %v", err)
	}
	for src, m := range g {
		inputs[src].Arrays = m
	}
	return inputs, nil
}

// serial runs f while holding the call lock.
func (s *analyzerServer) serial(f func() error) error {
	s.calls.Lock()
	defer s.calls.Unlock()
	return f()
}
