package rpc

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// hostServer serves the host's sdk.Host (Run.Host) to a plugin through the
// go-plugin broker, for the length of a run.
type hostServer struct {
	tdwv1.UnimplementedHostServer
	impl sdk.Host
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
	ts, err := readRequest("Evaluate", stream.Recv, nil, nil)
	if err != nil {
		return err
	}
	g, err := groupTensors(ts, false, "replace")
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "Evaluate: %v", err)
	}
	res, err := s.impl.Evaluate(stream.Context(), sdk.EvalRequest{Replace: g["replace"], Split: sdk.Split(info.GetSplit()), ReturnLogits: info.GetReturnLogits()})
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

func (s *hostServer) Gradient(req *tdwv1.GradientRequest, stream tdwv1.Host_GradientServer) error {
	res, err := s.impl.Gradient(stream.Context(), sdk.GradRequest{Names: req.GetNames(), Split: sdk.Split(req.GetSplit())})
	if err != nil {
		return status.Errorf(codes.Unknown, "Gradient: %v", err)
	}
	if err := stream.Send(&tdwv1.GradientReply{Kind: &tdwv1.GradientReply_Outcome{Outcome: &tdwv1.GradientOutcome{Loss: res.Loss}}}); err != nil {
		return err
	}
	send := func(f *tdwv1.TensorFrame) error {
		return stream.Send(&tdwv1.GradientReply{Kind: &tdwv1.GradientReply_Tensor{Tensor: f}})
	}
	return sendAll(send, sortedTensors("gradients", res.Grads), nil)
}
