package model

import "github.com/tdw-workbench/tdw/sdk"

// Emitter receives one computed activation buffer of a forward pass: B
// sequences × groups × rows of width floats, row-major (groups is n_heads for
// attention patterns and scores, 1 otherwise; rows is n or 1 when only the
// last position was computed). The buffer is reused after Emit returns.
type Emitter func(name string, buf []float32, B, groups, rows, width int)

// RunSpec says what a Runner computes: the hooks kept (with positions), the
// positions at which logits are needed, and whether gradients are wanted.
type RunSpec struct {
	Hooks  map[string]Positions
	Logits Positions
	Train  bool
}

// Runner runs passes of one model configuration over batches of up to the
// maxBatch sequences of n positions it was made for, reusing its buffers.
// A Runner is not safe for concurrent use.
type Runner interface {
	// Forward runs B sequences (tokens row-major [B, n], already validated)
	// with parameters p, hands kept hooks to emit (nil: none) and returns the
	// logits, [B·r, d_vocab_out] with r = n or 1 per RunSpec.Logits; the slice
	// is reused by the next call.
	Forward(p *Params[float32], tok []int64, B int, emit Emitter) []float32
	// Gradient runs forward and backward on B sequences with labels at the
	// loss rows (one per logit row), adds d(loss)/d(param) into grads, where
	// loss = Σ cross-entropy / norm, and returns Σ cross-entropy. Tensors
	// named in skip may get no gradient.
	Gradient(p *Params[float32], tok, labels []int64, B, norm int, grads *Params[float32], skip map[string]bool) float64
}

// LossRunner is a Runner that can also reduce a forward pass to its loss
// and accuracy where it runs (the CUDA backend's), so that only two numbers
// come back instead of the logits.
type LossRunner interface {
	Runner
	// ForwardLoss runs B sequences with parameters p and returns Σ
	// cross-entropy (log-softmax in float64) of the logit rows against
	// labels (one per row) and the number of rows whose first maximal logit
	// is the label.
	ForwardLoss(p *Params[float32], tok, labels []int64, B int) (loss float64, hits int)
}

// Backend makes Runners: CPU() (the hand-written fused runner, the reference),
// Gorgonia() (a Gorgonia graph over the same kernels) and CUDA() (the same
// kernels on an NVIDIA GPU); see DefaultBackend. A device backend may also
// implement LossRunner, and train on its device (deviceStepper).
type Backend interface {
	Name() string
	NewRunner(c sdk.ModelConfig, n, maxBatch int, spec RunSpec) Runner
}

// CPU returns the CPU backend: fused kernels over BLAS (OpenBLAS with the
// openblas build tag, pure-Go gonum otherwise), using GOMAXPROCS goroutines
// over batch rows with fixed partitioning, so results are deterministic.
func CPU() Backend { return cpuBackend{} }

type cpuBackend struct{}

func (cpuBackend) Name() string { return "cpu-" + BLASName }

func (cpuBackend) NewRunner(c sdk.ModelConfig, n, maxBatch int, spec RunSpec) Runner {
	if IsMLP(c) {
		return &mlpRunner{e: newMLPNet[float32](c, maxBatch, spec.Hooks, spec.Train)}
	}
	return &cpuRunner{e: newNet[float32](c, n, maxBatch, newPlan(c, spec.Hooks, true, spec.Logits), spec.Train)}
}

type cpuRunner struct{ e *net[float32] }

func (r *cpuRunner) Forward(p *Params[float32], tok []int64, B int, emit Emitter) []float32 {
	r.e.pack(p)
	r.e.forward(p, tok, B, emitter[float32](emit))
	return r.e.logits[:B*r.e.nt()*r.e.c.DVocabOut]
}

func (r *cpuRunner) Gradient(p *Params[float32], tok, labels []int64, B, norm int, grads *Params[float32], skip map[string]bool) float64 {
	e := r.e
	e.pack(p)
	e.forward(p, tok, B, nil)
	loss := e.lossAndGrad(labels, B*e.nt(), norm)
	e.backward(p, grads, tok, B, skip)
	return loss
}
