package variant

import (
	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/sdk"
)

// trainer is what Train needs from the engine: one full-batch epoch on the
// training split, evaluation on a data set, and the state to save. The
// adapter over host/model is in engine_model.go; the seam keeps the epoch
// loop independent of the engine's API, which a CUDA backend may extend.
type trainer interface {
	// Step runs one optimizer step on the training set and returns the loss
	// of the weights before the step.
	Step() (float64, error)
	// Evaluate returns the mean loss and the accuracy of the current weights
	// on ds, at the loss position.
	Evaluate(ds sdk.Dataset) (loss, acc float64, err error)
	// Weights returns the state dict under TransformerLens names, float32.
	// The tensors may share the engine's memory: they are only valid until
	// the next Step.
	Weights() map[string]*sdk.Tensor
	// OptimizerState returns the optimizer state after the steps taken.
	OptimizerState() *checkpoint.OptimizerState
	// Engine names the compute backend (model.Backend's Name, e.g.
	// "gorgonia-openblas"), recorded in metadata.json.
	Engine() string
}
