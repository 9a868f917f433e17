package model

import (
	"fmt"
	"hash"
	"hash/fnv"
	"slices"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernelOp is a Gorgonia Op (with SDOp and ADOp) whose Do runs one of the
// engine's fused kernels and returns a tensor.Dense over a workspace buffer
// of the runner: no allocation and no copy per run. Its gradient is a list of
// further kernelOps (steps) that SymDiff turns into nodes and DoDiff runs on
// values. The engine's backward kernels produce several gradients at once
// (LayerNorm: dx, dw, db; attention: dq, dkv) while a Gorgonia Op has one
// output, so the first step returns one of them and keeps the others in the
// workspace, where "pick" steps that depend on it return them.
type kernelOp[T Float] struct {
	name  string // unique within its graph: Gorgonia merges nodes of equal hash
	ins   []hm.Type
	out   hm.Type
	shape tensor.Shape
	// run computes the output from the input values and returns the slice
	// holding it (a workspace buffer, of shape.TotalSize() elements; one
	// element for a scalar output).
	run   func(in []G.Value) ([]T, error)
	steps []diffStep
	dense *tensor.Dense // the last output view, reused while the buffer stays
	// after, when set, runs once the output is computed: the runner emits
	// the hooks this node completes while their data is still in cache.
	after func()
}

// Operand codes of a diffStep: an input index ≥ 0, or one of these.
const (
	argOut  = -1 // the forward op's output
	argGrad = -2 // the gradient flowing into the output
)

// argStep refers to the result of an earlier step j.
func argStep(j int) int { return -3 - j }

// diffStep is one node of an op's gradient: op applied to args; its result is
// the gradient of input wrt (-1: an intermediate). A nil op passes the
// output's gradient through unchanged (addition).
type diffStep struct {
	wrt  int
	op   G.Op
	args []int
}

func dtypeOf[T Float]() tensor.Dtype {
	var z T
	if _, ok := any(z).(float64); ok {
		return tensor.Float64
	}
	return tensor.Float32
}

// tensorType is the Gorgonia type of a dims-dimensional tensor of dt.
func tensorType(dims int, dt tensor.Dtype) hm.Type {
	if dims == 0 {
		return dt
	}
	return G.TensorType{Dims: dims, Of: dt}
}

// Arity is the number of inputs.
func (op *kernelOp[T]) Arity() int { return len(op.ins) }

// Type returns a fresh function type: Gorgonia returns it to a pool after use.
func (op *kernelOp[T]) Type() hm.Type {
	return hm.NewFnType(append(slices.Clone(op.ins), op.out)...)
}

// InferShape returns the fixed output shape the op was made for.
func (op *kernelOp[T]) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }

// Do runs the kernel. The result is a view of a workspace buffer that the
// next run overwrites.
func (op *kernelOp[T]) Do(in ...G.Value) (G.Value, error) {
	if len(in) != len(op.ins) {
		return nil, fmt.Errorf("%s: %d inputs, want %d", op.name, len(in), len(op.ins))
	}
	buf, err := op.run(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op.name, err)
	}
	if op.shape.IsScalar() {
		if _, ok := any(buf[0]).(float64); ok {
			return G.NewF64(float64(buf[0])), nil
		}
		return G.NewF32(float32(buf[0])), nil
	}
	if op.dense == nil || &op.dense.Data().([]T)[0] != &buf[0] {
		op.dense = tensor.New(tensor.WithShape(op.shape.Clone()...), tensor.WithBacking(buf))
	}
	if op.after != nil {
		op.after()
	}
	return op.dense, nil
}

// ReturnsPtr is false: the output is never one of the inputs.
func (op *kernelOp[T]) ReturnsPtr() bool { return false }

// CallsExtern is false: BLAS calls are synchronous within Do.
func (op *kernelOp[T]) CallsExtern() bool { return false }

// OverwritesInput is -1: inputs are never written.
func (op *kernelOp[T]) OverwritesInput() int { return -1 }

// WriteHash writes the op's unique name.
func (op *kernelOp[T]) WriteHash(h hash.Hash) { fmt.Fprint(h, op.name) }

// Hashcode hashes the op's unique name.
func (op *kernelOp[T]) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// String returns the op's name.
func (op *kernelOp[T]) String() string { return op.name }

// DiffWRT reports, per input, whether a step yields its gradient.
func (op *kernelOp[T]) DiffWRT(n int) []bool {
	w := make([]bool, n)
	for _, s := range op.steps {
		if s.wrt >= 0 && s.wrt < n {
			w[s.wrt] = true
		}
	}
	return w
}

// SymDiff adds the gradient steps to the graph and returns, per input, the
// node of its gradient (nil where the input gets none).
func (op *kernelOp[T]) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	res := make(G.Nodes, len(op.steps))
	out := make(G.Nodes, len(inputs))
	for j, s := range op.steps {
		if s.op == nil {
			res[j] = grad
		} else {
			args := make(G.Nodes, len(s.args))
			for k, a := range s.args {
				args[k] = pickArg(a, inputs, output, grad, res)
			}
			n, err := G.ApplyOp(s.op, args...)
			if err != nil {
				return nil, fmt.Errorf("%s: gradient step %d: %w", op.name, j, err)
			}
			res[j] = n
		}
		if s.wrt >= 0 {
			out[s.wrt] = res[j]
		}
	}
	return out, nil
}

func pickArg[N any](a int, inputs []N, output, grad N, steps []N) N {
	switch {
	case a >= 0:
		return inputs[a]
	case a == argOut:
		return output
	case a == argGrad:
		return grad
	}
	return steps[-3-a]
}

// DoDiff runs the gradient steps on values (Gorgonia's LispMachine) and adds
// each input's gradient into the input's gradient value.
func (op *kernelOp[T]) DoDiff(_ G.ExecutionContext, inputs G.Nodes, output *G.Node) error {
	gv, err := output.Grad()
	if err != nil {
		return fmt.Errorf("%s: %w", op.name, err)
	}
	in := make([]G.Value, len(inputs))
	for i, n := range inputs {
		in[i] = n.Value()
	}
	res := make([]G.Value, len(op.steps))
	for j, s := range op.steps {
		if s.op == nil {
			res[j] = gv
		} else {
			args := make([]G.Value, len(s.args))
			for k, a := range s.args {
				args[k] = pickArg(a, in, output.Value(), gv, res)
			}
			v, err := s.op.Do(args...)
			if err != nil {
				return err
			}
			res[j] = v
		}
		if s.wrt < 0 {
			continue
		}
		dst, err := inputs[s.wrt].Grad()
		if err != nil {
			return fmt.Errorf("%s: input %d: %w", op.name, s.wrt, err)
		}
		d, src := dst.Data().([]T), res[j].Data().([]T)
		for i, v := range src {
			d[i] += v
		}
	}
	return nil
}

// values returns the flat slices of the float inputs in; other inputs
// (tokens, labels) are nil.
func values[T Float](in []G.Value) [][]T {
	out := make([][]T, len(in))
	for i, v := range in {
		out[i], _ = v.Data().([]T)
	}
	return out
}

// scalarOf returns a float scalar Value as a float64.
func scalarOf(v G.Value) (float64, error) {
	switch x := v.Data().(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	}
	return 0, fmt.Errorf("gradient seed %v (%T) is not a float scalar", v, v.Data())
}
