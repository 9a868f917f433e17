package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/internal/rpc/wire"
)

// AnalyzerPlugin is the go-plugin Plugin for analyzers. A plugin binary sets
// Impl (ServeAnalyzer and ServeCrossEpoch do this); the host leaves Impl nil
// and dispenses a value that implements both Analyzer and CrossEpochAnalyzer
// by calling the plugin, so in-process and out-of-process analyzers look the
// same to the host.
type AnalyzerPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is an Analyzer or a CrossEpochAnalyzer (plugin side only).
	Impl any
	// SharedMemory lets the host pass large tensors through shared memory
	// instead of streaming them (host side only; see docs/protocol.md).
	SharedMemory bool
	// DescribeTimeout bounds the Describe call made when the host dispenses
	// the plugin (host side only; default 30s).
	DescribeTimeout time.Duration
	// Logger receives the host side's warnings (default: hclog's default).
	Logger hclog.Logger
}

// GRPCServer registers the analyzer service; go-plugin calls it in the plugin.
func (p *AnalyzerPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	srv := &analyzerServer{broker: broker}
	switch impl := p.Impl.(type) {
	case Analyzer:
		srv.per = impl
		info := impl.Info()
		srv.info = info
	case CrossEpochAnalyzer:
		srv.across = impl
		srv.info = impl.Info()
	default:
		return fmt.Errorf("sdk: AnalyzerPlugin.Impl is %T, neither an Analyzer nor a CrossEpochAnalyzer", p.Impl)
	}
	tdwv1.RegisterAnalyzerServer(s, srv)
	return nil
}

// GRPCClient returns the host's view of the plugin: an *AnalyzerClient. It
// calls Describe once, so Info needs no call.
func (p *AnalyzerPlugin) GRPCClient(ctx context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	c := tdwv1.NewAnalyzerClient(conn)
	timeout := p.DescribeTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := c.Describe(dctx, &tdwv1.DescribeAnalyzerRequest{ProtocolVersion: ProtocolVersion})
	if err != nil {
		return nil, fmt.Errorf("Describe: %w", err)
	}
	if d.GetProtocolVersion() != ProtocolVersion {
		return nil, fmt.Errorf("plugin speaks protocol version %d, host speaks %d", d.GetProtocolVersion(), ProtocolVersion)
	}
	log := p.Logger
	if log == nil {
		log = hclog.Default()
	}
	return &AnalyzerClient{
		client: c,
		broker: broker,
		info:   AnalyzerInfo{Name: d.GetName(), Version: d.GetVersion(), Kind: Kind(d.GetKind())},
		share:  newSharer(p.SharedMemory, c, log),
	}, nil
}

// AnalyzerClient is the host's handle on an analyzer plugin. It implements
// Analyzer and CrossEpochAnalyzer; a call the plugin's kind does not offer
// returns the plugin's "unimplemented" error. Calls are serialized.
type AnalyzerClient struct {
	mu     sync.Mutex
	client tdwv1.AnalyzerClient
	broker *plugin.GRPCBroker
	info   AnalyzerInfo
	share  *sharer
	host   *grpc.Server // serves Run.Host during a run
}

// Info returns the self-description the plugin gave when dispensed.
func (c *AnalyzerClient) Info() AnalyzerInfo { return c.info }

// Begin sends the run and its context tensors; when run.Host is set it also
// serves it to the plugin through the go-plugin broker until End.
func (c *AnalyzerClient) Begin(ctx context.Context, run *Run) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopHost()
	ri, err := c.runInfo(run)
	if err != nil {
		return err
	}
	ts := sortedTensors("context", run.Context)
	refs := c.share.refs(ctx, ts)
	stream, err := c.client.Begin(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&tdwv1.BeginFrame{Kind: &tdwv1.BeginFrame_Run{Run: ri}}); err != nil {
		return streamErr(stream.CloseAndRecv, err)
	}
	send := func(f *tdwv1.TensorFrame) error {
		return stream.Send(&tdwv1.BeginFrame{Kind: &tdwv1.BeginFrame_Tensor{Tensor: f}})
	}
	if err := sendAll(send, ts, refs); err != nil {
		return streamErr(stream.CloseAndRecv, err)
	}
	_, err = stream.CloseAndRecv()
	return err
}

func (c *AnalyzerClient) runInfo(run *Run) (*tdwv1.RunInfo, error) {
	params, err := paramsToProto(run.Params)
	if err != nil {
		return nil, fmt.Errorf("run params: %w", err)
	}
	settings, err := paramsToProto(run.Settings)
	if err != nil {
		return nil, fmt.Errorf("run settings: %w", err)
	}
	ri := &tdwv1.RunInfo{
		Family: run.Family, Variant: run.Variant, Params: params, Settings: settings,
		Model: modelConfigToProto(run.Model), Epochs: intsToProto(run.Epochs),
	}
	if run.Host != nil && c.broker != nil {
		id := c.broker.NextId()
		ln, err := c.broker.Accept(id)
		if err != nil {
			return nil, fmt.Errorf("offer host service: %w", err)
		}
		s := grpc.NewServer(serverOptions()...)
		tdwv1.RegisterHostServer(s, &hostServer{impl: run.Host})
		go func() { _ = s.Serve(ln) }()
		c.host = s
		ri.HostBrokerId = id
	}
	return ri, nil
}

func (c *AnalyzerClient) stopHost() {
	if c.host != nil {
		c.host.Stop()
		c.host = nil
	}
}

// streamErr prefers the server's status over a local send error: when a
// send fails because the server ended the call, the reason is in the reply.
func streamErr[T any](recv func() (T, error), sendErr error) error {
	if _, err := recv(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return sendErr
}

// Analyze sends one checkpoint's inputs and returns the plugin's outputs.
// Received tensors are checked for consistent dtype, shape and byte count;
// any other group than "arrays" and "summary" is an error.
func (c *AnalyzerClient) Analyze(ctx context.Context, cp *Checkpoint) (*Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := append(sortedTensors("hooks", cp.Hooks), sortedTensors("weights", cp.Weights)...)
	if cp.Logits != nil {
		ts = append(ts, named{"logits", "logits", cp.Logits})
	}
	refs := c.share.refs(ctx, ts)
	stream, err := c.client.Analyze(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&tdwv1.AnalyzeFrame{Kind: &tdwv1.AnalyzeFrame_Checkpoint{Checkpoint: &tdwv1.CheckpointInfo{Epoch: int64(cp.Epoch)}}}); err != nil {
		return nil, streamErr(stream.Recv, err)
	}
	send := func(f *tdwv1.TensorFrame) error {
		return stream.Send(&tdwv1.AnalyzeFrame{Kind: &tdwv1.AnalyzeFrame_Tensor{Tensor: f}})
	}
	if err := sendAll(send, ts, refs); err != nil {
		return nil, streamErr(stream.Recv, err)
	}
	if err := stream.CloseSend(); err != nil {
		return nil, err
	}
	got, err := recvTensors(stream.Recv, nil)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(got, false, "arrays", "summary")
	if err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	return &Result{Arrays: g["arrays"], Summary: g["summary"]}, nil
}

// recvRequestTensors reads the tensor frames that follow a request stream's
// first message until the stream ends. A broken stream's error is returned
// as it is; frames that do not assemble are InvalidArgument, naming op.
func recvRequestTensors[M interface{ GetTensor() *tdwv1.TensorFrame }](op string, recv func() (M, error),
	resolve func(*tdwv1.SharedRef, int64) ([]byte, error)) ([]*wire.Tensor, error) {
	a := wire.Assembler{Resolve: resolve}
	for {
		m, err := recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := a.Add(m.GetTensor()); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "%s: %v", op, err)
		}
	}
	ts, err := a.Finish()
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", op, err)
	}
	return ts, nil
}

// recvTensors reads tensor frames until the stream ends.
func recvTensors(recv func() (*tdwv1.TensorFrame, error), resolve func(*tdwv1.SharedRef, int64) ([]byte, error)) ([]*wire.Tensor, error) {
	a := wire.Assembler{Resolve: resolve}
	for {
		f, err := recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := a.Add(f); err != nil {
			return nil, err
		}
	}
	return a.Finish()
}

// End ends the run and stops serving the run's Host.
func (c *AnalyzerClient) End(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.stopHost()
	_, err := c.client.End(ctx, &tdwv1.EndRequest{})
	return err
}

// AnalyzeAcross sends the run and every stacked input and returns the
// plugin's arrays.
func (c *AnalyzerClient) AnalyzeAcross(ctx context.Context, run *Run, inputs map[string]*Stacked) (map[string]*Tensor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopHost()
	defer c.stopHost()
	ri, err := c.runInfo(run)
	if err != nil {
		return nil, err
	}
	sources := make([]string, 0, len(inputs))
	var all []named
	for src := range inputs {
		sources = append(sources, src)
	}
	sortStrings(sources)
	for _, src := range sources {
		if inputs[src] == nil {
			return nil, fmt.Errorf("input %q is nil", src)
		}
		all = append(all, sortedTensors(src, inputs[src].Arrays)...)
	}
	refs := c.share.refs(ctx, all)
	stream, err := c.client.AnalyzeAcross(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&tdwv1.AcrossFrame{Kind: &tdwv1.AcrossFrame_Run{Run: ri}}); err != nil {
		return nil, streamErr(stream.Recv, err)
	}
	send := func(f *tdwv1.TensorFrame) error {
		return stream.Send(&tdwv1.AcrossFrame{Kind: &tdwv1.AcrossFrame_Tensor{Tensor: f}})
	}
	i := 0
	for _, src := range sources {
		info := &tdwv1.StackedInfo{Source: src, Epochs: intsToProto(inputs[src].Epochs)}
		if err := stream.Send(&tdwv1.AcrossFrame{Kind: &tdwv1.AcrossFrame_Stacked{Stacked: info}}); err != nil {
			return nil, streamErr(stream.Recv, err)
		}
		n := len(inputs[src].Arrays)
		if err := sendAll(send, all[i:i+n], refs[i:i+n]); err != nil {
			return nil, streamErr(stream.Recv, err)
		}
		i += n
	}
	if err := stream.CloseSend(); err != nil {
		return nil, err
	}
	got, err := recvTensors(stream.Recv, nil)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(got, false, "arrays")
	if err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	return g["arrays"], nil
}

// Close frees the connection's shared-memory staging and stops a Host
// service still being served. It does not stop the plugin process.
func (c *AnalyzerClient) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopHost()
	c.share.close()
	return nil
}

// analyzerServer is the plugin side.
type analyzerServer struct {
	tdwv1.UnimplementedAnalyzerServer
	broker *plugin.GRPCBroker
	info   AnalyzerInfo
	per    Analyzer
	across CrossEpochAnalyzer
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
func (s *analyzerServer) run(ri *tdwv1.RunInfo) (*Run, error) {
	params, err := paramsFromProto(ri.GetParams())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "run params: %v", err)
	}
	settings, err := paramsFromProto(ri.GetSettings())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "run settings: %v", err)
	}
	run := &Run{
		Family: ri.GetFamily(), Variant: ri.GetVariant(), Params: params, Settings: settings,
		Model: modelConfigFromProto(ri.GetModel()), Epochs: intsFromProto(ri.GetEpochs()),
		Context: map[string]*Tensor{},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hostConn != nil {
		_ = s.hostConn.Close()
		s.hostConn = nil
	}
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

func (s *analyzerServer) Begin(stream tdwv1.Analyzer_BeginServer) error {
	if s.per == nil {
		return status.Errorf(codes.Unimplemented, "analyzer %s is %s: it has no Begin", s.info.Name, s.info.Kind)
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ri := first.GetRun()
	if ri == nil {
		return status.Error(codes.InvalidArgument, "Begin: first message is not the run")
	}
	ts, err := recvRequestTensors("Begin", stream.Recv, s.maps.resolve)
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
		return status.Errorf(codes.Unimplemented, "analyzer %s is %s: it has no Analyze", s.info.Name, s.info.Kind)
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ci := first.GetCheckpoint()
	if ci == nil {
		return status.Error(codes.InvalidArgument, "Analyze: first message is not the checkpoint")
	}
	ts, err := recvRequestTensors("Analyze", stream.Recv, s.maps.resolve)
	if err != nil {
		return err
	}
	g, err := groupTensors(ts, false, "hooks", "weights", "logits")
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "Analyze: %v", err)
	}
	cp := &Checkpoint{Epoch: int(ci.GetEpoch()), Hooks: g["hooks"], Weights: g["weights"], Logits: g["logits"]["logits"]}
	var res *Result
	if err := s.serial(func() error {
		return guard("Analyze", func() (err error) { res, err = s.per.Analyze(stream.Context(), cp); return err })
	}); err != nil {
		return err
	}
	if res == nil {
		res = &Result{}
	}
	out := append(sortedTensors("arrays", res.Arrays), sortedTensors("summary", res.Summary)...)
	if err := sendAll(stream.Send, out, nil); err != nil {
		return status.Errorf(codes.Internal, "Analyze result: %v", err)
	}
	return nil
}

func (s *analyzerServer) End(ctx context.Context, _ *tdwv1.EndRequest) (*tdwv1.EndResponse, error) {
	if s.per == nil {
		return nil, status.Errorf(codes.Unimplemented, "analyzer %s is %s: it has no End", s.info.Name, s.info.Kind)
	}
	err := s.serial(func() error { return guard("End", func() error { return s.per.End(ctx) }) })
	s.mu.Lock()
	if s.hostConn != nil {
		_ = s.hostConn.Close()
		s.hostConn = nil
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &tdwv1.EndResponse{}, nil
}

func (s *analyzerServer) AnalyzeAcross(stream tdwv1.Analyzer_AnalyzeAcrossServer) error {
	if s.across == nil {
		return status.Errorf(codes.Unimplemented, "analyzer %s is %s: it has no AnalyzeAcross", s.info.Name, s.info.Kind)
	}
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	ri := first.GetRun()
	if ri == nil {
		return status.Error(codes.InvalidArgument, "AnalyzeAcross: first message is not the run")
	}
	inputs := map[string]*Stacked{}
	var order []string
	a := wire.Assembler{Resolve: s.maps.resolve}
	for {
		f, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if st := f.GetStacked(); st != nil {
			if _, dup := inputs[st.GetSource()]; dup {
				return status.Errorf(codes.InvalidArgument, "AnalyzeAcross: input %q sent twice", st.GetSource())
			}
			inputs[st.GetSource()] = &Stacked{Epochs: intsFromProto(st.GetEpochs()), Arrays: map[string]*Tensor{}}
			order = append(order, st.GetSource())
			continue
		}
		if err := a.Add(f.GetTensor()); err != nil {
			return status.Errorf(codes.InvalidArgument, "AnalyzeAcross: %v", err)
		}
	}
	ts, err := a.Finish()
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "AnalyzeAcross: %v", err)
	}
	g, err := groupTensors(ts, false, order...)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "AnalyzeAcross: %v", err)
	}
	for src, m := range g {
		inputs[src].Arrays = m
	}
	run, err := s.run(ri)
	if err != nil {
		return err
	}
	defer func() {
		s.mu.Lock()
		if s.hostConn != nil {
			_ = s.hostConn.Close()
			s.hostConn = nil
		}
		s.mu.Unlock()
	}()
	var out map[string]*Tensor
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

// serial runs f while holding the call lock.
func (s *analyzerServer) serial(f func() error) error {
	s.calls.Lock()
	defer s.calls.Unlock()
	return f()
}

// guard runs a plugin author's method, turning a panic into an error so the
// host learns what happened; the stack goes to stderr.
func guard(method string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			hclog.Default().Error("panic", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = status.Errorf(codes.Internal, "%s panicked: %v", method, r)
		}
	}()
	if err := f(); err != nil {
		if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
			return err
		}
		return status.Errorf(codes.Unknown, "%s: %v", method, err)
	}
	return nil
}
