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
