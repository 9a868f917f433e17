package sdk

import "context"

// Host is the callback service the host offers plugins during a run, for
// analyses that need more than the cache they were sent.
type Host interface {
	// Evaluate runs the current checkpoint's model over the family's probe with
	// the given weights replaced (whole tensors under state-dict names) and
	// returns loss and accuracy on the requested split.
	Evaluate(ctx context.Context, req EvalRequest) (*EvalResult, error)
	// Forward runs the current checkpoint's model over the probe and returns
	// the named hooks (TransformerLens names; "logits" for the logits) at the
	// given positions ("all" or "last").
	Forward(ctx context.Context, hooks []string, positions string) (map[string]*Tensor, error)
	// Gradient runs the current checkpoint's model forward and backward over
	// the requested split of the probe and returns d(mean cross-entropy)/dW
	// for the named weights, with the loss. No optimizer step is taken: the
	// checkpoint is not changed.
	Gradient(ctx context.Context, req GradRequest) (*GradResult, error)
}

// Split selects which part of the probe a loss is computed on.
type Split string

// Splits of the probe.
const (
	SplitAll   Split = "all"
	SplitTrain Split = "train"
	SplitTest  Split = "test"
)

// EvalRequest asks the host to evaluate the model with replaced weights.
type EvalRequest struct {
	Replace      map[string]*Tensor
	Split        Split
	ReturnLogits bool
}

// EvalResult is the outcome of an EvalRequest.
type EvalResult struct {
	Loss     float64
	Accuracy float64
	Logits   *Tensor // only when ReturnLogits was set
}

// GradRequest asks the host for the gradient of the loss at the current
// checkpoint.
type GradRequest struct {
	// Names are the weights wanted, under state-dict (TransformerLens) names;
	// empty means every parameter.
	Names []string
	Split Split
}

// GradResult is the outcome of a GradRequest.
type GradResult struct {
	// Loss is the mean cross-entropy on the split, as Evaluate reports it.
	Loss float64
	// Grads holds d(Loss)/dW under each requested name, shaped like W.
	Grads map[string]*Tensor
}
