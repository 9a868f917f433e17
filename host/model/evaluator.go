package model

import "github.com/tdw-workbench/tdw/sdk"

// Evaluator computes loss and accuracy like Evaluate, and gradients like
// Gradient, but keeps its runners and their buffers between calls, which makes
// repeated evaluations (a loss landscape probed in many directions, one
// gradient per checkpoint) several times cheaper. All models it evaluates must
// share one configuration. An Evaluator is not safe for concurrent use.
type Evaluator struct {
	cfg   sdk.ModelConfig
	cache map[evalKey]Runner
	grad  map[evalKey]Runner // train-mode runners, for Gradient
}

// NewEvaluator returns an Evaluator for models of configuration c (seed and
// initializer range aside: they do not change the computation).
func NewEvaluator(c sdk.ModelConfig) *Evaluator {
	return &Evaluator{cfg: c, cache: map[evalKey]Runner{}, grad: map[evalKey]Runner{}}
}

// Evaluate returns the mean cross-entropy and accuracy of m on ds at pos, as
// Evaluate does. It panics if m's configuration is not the Evaluator's.
func (e *Evaluator) Evaluate(m *Model, ds sdk.Dataset, pos Positions) (loss, acc float64, err error) {
	if architecture(m.Config) != architecture(e.cfg) {
		panic("model: Evaluator used with a model of another architecture")
	}
	return evaluate(m, ds, pos, e.cache)
}

// Gradient returns the gradient of m's mean cross-entropy on ds as Gradient
// does. It panics if m's configuration is not the Evaluator's.
func (e *Evaluator) Gradient(m *Model, ds sdk.Dataset, pos Positions, names []string) (float64, map[string]*sdk.Tensor, error) {
	if architecture(m.Config) != architecture(e.cfg) {
		panic("model: Evaluator used with a model of another architecture")
	}
	return gradient(m, ds, pos, names, e.grad)
}

// architecture is c without the fields that only matter at initialization.
func architecture(c sdk.ModelConfig) sdk.ModelConfig {
	c.Seed, c.InitRange = 0, 0
	return c
}
