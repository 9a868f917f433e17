package rpc

import (
	"context"
	"fmt"
	"sort"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// AnalyzerClient is the host's handle on an analyzer plugin. It implements
// sdk.Analyzer and sdk.CrossEpochAnalyzer; a call the plugin's kind does not
// offer returns the plugin's "unimplemented" error. Calls are serialized.
type AnalyzerClient struct {
	mu     sync.Mutex
	client tdwv1.AnalyzerClient
	broker *plugin.GRPCBroker
	info   sdk.AnalyzerInfo
	share  *sharer
	host   *grpc.Server // serves Run.Host during a run
	// maxReply caps the tensor bytes of one Analyze or AnalyzeAcross reply
	// (0: no cap).
	maxReply int64
}

// Info returns the self-description the plugin gave when dispensed.
func (c *AnalyzerClient) Info() sdk.AnalyzerInfo { return c.info }

// Begin sends the run and its context tensors; when run.Host is set it also
// serves it to the plugin through the go-plugin broker until End.
func (c *AnalyzerClient) Begin(ctx context.Context, run *sdk.Run) error {
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

// runInfo converts run for the wire and, when run.Host is set, starts
// serving it through the broker (stopHost ends that).
func (c *AnalyzerClient) runInfo(run *sdk.Run) (*tdwv1.RunInfo, error) {
	params, err := paramsToProto(run.Params)
	if err != nil {
		return nil, fmt.Errorf("run params: %w", err)
	}
	settings, err := paramsToProto(run.Settings)
	if err != nil {
		return nil, fmt.Errorf("run settings: %w", err)
	}
	ri := &tdwv1.RunInfo{
		Family: run.Family, Variant: run.Variant, Probe: run.Probe, Params: params, Settings: settings,
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

// Analyze sends one checkpoint's inputs and returns the plugin's outputs.
// Received tensors are checked for consistent dtype, shape and byte count;
// any other group than "arrays" and "summary" is an error.
func (c *AnalyzerClient) Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := append(sortedTensors("hooks", cp.Hooks), sortedTensors("weights", cp.Weights)...)
	if cp.Logits != nil {
		ts = append(ts, named{"logits", "logits", cp.Logits})
	}
	refs := c.share.refs(ctx, ts)
	// Leaving early (a refused reply) cancels the stream, so the plugin
	// stops sending.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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
	got, err := readReply("reply", bare(stream.Recv), nil, c.maxReply)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(got, false, "arrays", "summary")
	if err != nil {
		return nil, fmt.Errorf("reply: %w", err)
	}
	return &sdk.Result{Arrays: g["arrays"], Summary: g["summary"]}, nil
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
func (c *AnalyzerClient) AnalyzeAcross(ctx context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
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
	sort.Strings(sources)
	for _, src := range sources {
		if inputs[src] == nil {
			return nil, fmt.Errorf("input %q is nil", src)
		}
		all = append(all, sortedTensors(src, inputs[src].Arrays)...)
	}
	refs := c.share.refs(ctx, all)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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
	got, err := readReply("reply", bare(stream.Recv), nil, c.maxReply)
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
