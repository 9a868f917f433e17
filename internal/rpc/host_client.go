package rpc

import (
	"context"
	"fmt"

	tdwv1 "github.com/tdw-workbench/tdw/proto/tdw/v1"
	"github.com/tdw-workbench/tdw/sdk"
)

// hostClient is the plugin's Run.Host: an sdk.Host that calls the host's
// callback service through the broker.
type hostClient struct {
	client tdwv1.HostClient
}

func (h *hostClient) Evaluate(ctx context.Context, req sdk.EvalRequest) (*sdk.EvalResult, error) {
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
	var res *sdk.EvalResult
	outcome := func(r *tdwv1.EvaluateReply) (bool, error) {
		o := r.GetOutcome()
		if o == nil {
			return false, nil
		}
		res = &sdk.EvalResult{Loss: o.GetLoss(), Accuracy: o.GetAccuracy()}
		return true, nil
	}
	ts, err := readReply("host Evaluate reply", stream.Recv, outcome, 0)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("host Evaluate reply holds no outcome")
	}
	g, err := groupTensors(ts, false, "logits")
	if err != nil {
		return nil, fmt.Errorf("host Evaluate reply: %w", err)
	}
	res.Logits = g["logits"]["logits"]
	return res, nil
}

func (h *hostClient) Forward(ctx context.Context, hooks []string, positions string) (map[string]*sdk.Tensor, error) {
	stream, err := h.client.Forward(ctx, &tdwv1.ForwardRequest{Hooks: hooks, Positions: positions})
	if err != nil {
		return nil, err
	}
	ts, err := readReply("host Forward reply", bare(stream.Recv), nil, 0)
	if err != nil {
		return nil, err
	}
	g, err := groupTensors(ts, false, "hooks")
	if err != nil {
		return nil, fmt.Errorf("host Forward reply: %w", err)
	}
	return g["hooks"], nil
}

func (h *hostClient) Gradient(ctx context.Context, req sdk.GradRequest) (*sdk.GradResult, error) {
	stream, err := h.client.Gradient(ctx, &tdwv1.GradientRequest{Split: string(req.Split), Names: req.Names})
	if err != nil {
		return nil, err
	}
	var res *sdk.GradResult
	outcome := func(r *tdwv1.GradientReply) (bool, error) {
		o := r.GetOutcome()
		if o == nil {
			return false, nil
		}
		res = &sdk.GradResult{Loss: o.GetLoss()}
		return true, nil
	}
	ts, err := readReply("host Gradient reply", stream.Recv, outcome, 0)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, fmt.Errorf("host Gradient reply holds no outcome")
	}
	g, err := groupTensors(ts, false, "gradients")
	if err != nil {
		return nil, fmt.Errorf("host Gradient reply: %w", err)
	}
	res.Grads = g["gradients"]
	return res, nil
}
