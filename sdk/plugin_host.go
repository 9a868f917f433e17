package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/internal/rpc/wire"
)

// hostServer serves a Host implementation (the host's) to a plugin through
// the go-plugin broker.
type hostServer struct {
	tdwv1.UnimplementedHostServer
	impl Host
}

func (s *hostServer) Evaluate(stream tdwv1.Host_EvaluateServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	info := first.GetInfo()
	if info == nil {
		return status.Error(codes.InvalidArgument, "Evaluate: first message is not the request")
	}
	ts, err := recvRequestTensors("Evaluate", stream.Recv, nil)
	if err != nil {
		return err
	}
	g, err := groupTensors(ts, false, "replace")
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "Evaluate: %v", err)
	}
	res, err := s.impl.Evaluate(stream.Context(), EvalRequest{Replace: g["replace"], Split: Split(info.GetSplit()), ReturnLogits: info.GetReturnLogits()})
	if err != nil {
		return status.Errorf(codes.Unknown, "Evaluate: %v", err)
	}
	if err := stream.Send(&tdwv1.EvaluateReply{Kind: &tdwv1.EvaluateReply_Outcome{Outcome: &tdwv1.EvaluateOutcome{Loss: res.Loss, Accuracy: res.Accuracy}}}); err != nil {
		return err
	}
	if info.GetReturnLogits() && res.Logits != nil {
		send := func(f *tdwv1.TensorFrame) error {
			return stream.Send(&tdwv1.EvaluateReply{Kind: &tdwv1.EvaluateReply_Tensor{Tensor: f}})
		}
		return sendAll(send, []named{{"logits", "logits", res.Logits}}, nil)
	}
	return nil
}

func (s *hostServer) Forward(req *tdwv1.ForwardRequest, stream tdwv1.Host_ForwardServer) error {
	out, err := s.impl.Forward(stream.Context(), req.GetHooks(), req.GetPositions())
	if err != nil {
		return status.Errorf(codes.Unknown, "Forward: %v", err)
	}
	return sendAll(stream.Send, sortedTensors("hooks", out), nil)
}

// hostClient is the plugin's sdk.Host: it calls the host through the broker.
type hostClient struct {
	client tdwv1.HostClient
}

func (h *hostClient) Evaluate(ctx context.Context, req EvalRequest) (*EvalResult, error) {
	stream, err := h.client.Evaluate(ctx)
	if err != nil {
		return nil, err
	}
	info := &tdwv1.EvaluateInfo{Split: string(req.Split), ReturnLogits: req.ReturnLogits}
	if err := stream.Send(&tdwv1.EvaluateFrame{Kind: &tdwv1.EvaluateFrame_Info{Info: info}}); err != nil {
		return nil, streamErr(stream.Recv, err)
	}
	send := func(f *tdwv1.TensorFrame) error {
		return stream.Send(&tdwv1.EvaluateFrame{Kind: &tdwv1.EvaluateFrame_Tensor{Tensor: f}})
	}
	if err := sendAll(send, sortedTensors("replace", req.Replace), nil); err != nil {
		return nil, streamErr(stream.Recv, err)
	}
	if err := stream.CloseSend(); err != nil {
		return nil, err
	}
	var (
		res *EvalResult
		a   wire.Assembler
	)
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if o := r.GetOutcome(); o != nil {
			res = &EvalResult{Loss: o.GetLoss(), Accuracy: o.GetAccuracy()}
			continue
		}
		if err := a.Add(r.GetTensor()); err != nil {
			return nil, fmt.Errorf("host Evaluate reply: %w", err)
		}
	}
	if res == nil {
		return nil, fmt.Errorf("host Evaluate reply holds no outcome")
	}
	ts, err := a.Finish()
	if err != nil {
		return nil, fmt.Errorf("host Evaluate reply: %w", err)
	}
	g, err := groupTensors(ts, false, "logits")
	if err != nil {
		return nil, fmt.Errorf("host Evaluate reply: %w", err)
	}
	res.Logits = g["logits"]["logits"]
	return res, nil
}

func (h *hostClient) Forward(ctx context.Context, hooks []string, positions string) (map[string]*Tensor, error) {
	stream, err := h.client.Forward(ctx, &tdwv1.ForwardRequest{Hooks: hooks, Positions: positions})
	if err != nil {
		return nil, err
	}
	ts, err := recvTensors(stream.Recv, nil)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(ts, false, "hooks")
	if err != nil {
		return nil, fmt.Errorf("host Forward reply: %w", err)
	}
	return g["hooks"], nil
}
