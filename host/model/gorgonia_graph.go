package model

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// workspace holds a runner's activation, gradient and kernel-state buffers
// by slot name. Graphs made for different batch sizes use the same slots
// (prefixes of one buffer), so a smaller last batch costs no memory. Only one
// graph of a runner runs at a time.
type workspace[T Float] struct{ bufs map[string][]T }

// get returns the first n elements of the named buffer, growing it if needed.
// Kernels fetch their buffers at every run, so a slot grown for a bigger
// graph serves the smaller ones too.
func (w *workspace[T]) get(slot string, n int) []T {
	b := w.bufs[slot]
	if cap(b) < n {
		b = make([]T, n)
		w.bufs[slot] = b
	}
	return b[:n]
}

// lossState is what the loss op shares with the runner: the normalizer set
// before a run and the float64 sum of cross-entropies after it.
type lossState struct {
	norm int
	sum  float64
	lse  []float64
	row  []float64
}

// gBuilder adds the engine's ops to one Gorgonia graph. need records, per
// node, whether some trainable parameter lies below it, i.e. whether its
// gradient must be computed: steps for the others are never added, so frozen
// parameters cost nothing in the backward pass.
type gBuilder[T Float] struct {
	g    *G.ExprGraph
	ws   *workspace[T]
	dt   tensor.Dtype
	need map[*G.Node]bool
	seq  int
}

func (b *gBuilder[T]) tt(dims int) hm.Type { return tensorType(dims, b.dt) }

// newOp makes a kernelOp with a graph-unique name.
func (b *gBuilder[T]) newOp(name string, shape tensor.Shape, ins []hm.Type, run func([]G.Value) ([]T, error), steps []diffStep) *kernelOp[T] {
	b.seq++
	return &kernelOp[T]{name: fmt.Sprintf("%s#%d", name, b.seq), ins: ins, out: b.tt(shape.Dims()), shape: shape, run: run, steps: steps}
}

// apply adds op over inputs. Shapes and types are the builder's own, so an
// error here is a bug: it panics.
func (b *gBuilder[T]) apply(op *kernelOp[T], inputs ...*G.Node) *G.Node {
	n, err := G.ApplyOp(op, inputs...)
	if err != nil {
		panic(fmt.Sprintf("model: gorgonia graph: %s: %v", op.name, err))
	}
	for _, x := range inputs {
		if b.need[x] {
			b.need[n] = true
		}
	}
	return n
}

// typesOf returns the Gorgonia types of nodes.
func typesOf(ns ...*G.Node) []hm.Type {
	t := make([]hm.Type, len(ns))
	for i, n := range ns {
		t[i] = tensorType(n.Dims(), n.Dtype())
	}
	return t
}

// pick returns a step that hands out workspace slot (filled by an earlier
// step, its only argument) as the gradient of input wrt.
func (b *gBuilder[T]) pick(name string, shape tensor.Shape, slot string, size, wrt, step int) diffStep {
	op := b.newOp(name, shape, []hm.Type{b.tt(2)}, func([]G.Value) ([]T, error) { return b.ws.get(slot, size), nil }, nil)
	return diffStep{wrt, op, []int{argStep(step)}}
}

// embed: resid_pre = W_E[tok] + W_pos[position], [B·n, d].
func (b *gBuilder[T]) embed(WE, Wpos, tok *G.Node, B, n, d int) *G.Node {
	R := B * n
	run := func(in []G.Value) ([]T, error) {
		v, t := values[T](in), in[2].Data().([]int64)
		out := b.ws.get("embed", R*d)
		parallelRows(R, d, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				te, pe, row := v[0][int(t[r])*d:][:d], v[1][(r%n)*d:][:d], out[r*d:][:d]
				for j := range row {
					row[j] = te[j] + pe[j]
				}
			}
		})
		return out, nil
	}
	var steps []diffStep
	if b.need[WE] {
		size := WE.Shape().TotalSize()
		op := b.newOp("embed.dW_E", WE.Shape(), []hm.Type{b.tt(2), tensorType(1, tensor.Int64)}, func(in []G.Value) ([]T, error) {
			g, t := in[0].Data().([]T), in[1].Data().([]int64)
			dst := b.ws.get("embed.dW_E", size)
			clear(dst)
			// Sequential: rows of equal tokens add into one row of W_E.
			for r := 0; r < R; r++ {
				row := dst[int(t[r])*d:][:d]
				for j, x := range g[r*d : (r+1)*d] {
					row[j] += x
				}
			}
			return dst, nil
		}, nil)
		steps = append(steps, diffStep{0, op, []int{argGrad, 2}})
	}
	if b.need[Wpos] {
		size := Wpos.Shape().TotalSize()
		op := b.newOp("embed.dW_pos", Wpos.Shape(), []hm.Type{b.tt(2)}, func(in []G.Value) ([]T, error) {
			g := in[0].Data().([]T)
			dst := b.ws.get("embed.dW_pos", size)
			clear(dst)
			for r := 0; r < R; r++ {
				row := dst[(r%n)*d:][:d]
				for j, x := range g[r*d : (r+1)*d] {
					row[j] += x
				}
			}
			return dst, nil
		}, nil)
		steps = append(steps, diffStep{1, op, []int{argGrad}})
	}
	op := b.newOp("embed", tensor.Shape{R, d}, typesOf(WE, Wpos, tok), run, steps)
	return b.apply(op, WE, Wpos, tok)
}

// packHeads lays k per-head tensors [h, dd, dh] (biases: [h, dh], dd = 1)
// side by side as [dd, k·h·dh] (biases: [k·h·dh]), so that all heads'
// projections are one GEMM. Its gradient unpacks.
func (b *gBuilder[T]) packHeads(name string, h, dd, dh int, bias bool, in ...*G.Node) *G.Node {
	k, hd := len(in), h*dh
	W := k * hd
	shape := tensor.Shape{dd, W}
	if bias {
		shape = tensor.Shape{W}
	}
	run := func(vals []G.Value) ([]T, error) {
		out := b.ws.get(name, dd*W)
		for i, src := range values[T](vals) {
			for hh := 0; hh < h; hh++ {
				for r := 0; r < dd; r++ {
					copy(out[r*W+i*hd+hh*dh:][:dh], src[(hh*dd+r)*dh:][:dh])
				}
			}
		}
		return out, nil
	}
	var steps []diffStep
	for i, x := range in {
		if !b.need[x] {
			continue
		}
		slot := fmt.Sprintf("%s.d%d", name, i)
		op := b.newOp(slot, x.Shape(), []hm.Type{b.tt(shape.Dims())}, func(vals []G.Value) ([]T, error) {
			g := vals[0].Data().([]T)
			dst := b.ws.get(slot, h*dd*dh)
			for hh := 0; hh < h; hh++ {
				for r := 0; r < dd; r++ {
					copy(dst[(hh*dd+r)*dh:][:dh], g[r*W+i*hd+hh*dh:][:dh])
				}
			}
			return dst, nil
		}, nil)
		steps = append(steps, diffStep{i, op, []int{argGrad}})
	}
	return b.apply(b.newOp(name, shape, typesOf(in...), run, steps), in...)
}

// layerNorm is TransformerLens' LayerNorm over rows of width d; scale and
// hat stay in the workspace for the backward pass and the hooks.
func (b *gBuilder[T]) layerNorm(name string, x, w, bias *G.Node, rows, d int) *G.Node {
	sScale, sHat, sOut := name+".scale", name+".hat", name+".out"
	sDx, sDw, sDb := name+".dx", name+".dw", name+".db"
	run := func(in []G.Value) ([]T, error) {
		v := values[T](in)
		out := b.ws.get(sOut, rows*d)
		layerNormForward(v[0], rows, d, v[1], v[2], b.ws.get(sScale, rows), b.ws.get(sHat, rows*d), out)
		return out, nil
	}
	var steps []diffStep
	if b.need[x] || b.need[w] || b.need[bias] {
		needW, needB := b.need[w], b.need[bias]
		dx := b.newOp(sDx, tensor.Shape{rows, d}, []hm.Type{b.tt(2), b.tt(1)}, func(in []G.Value) ([]T, error) {
			v := values[T](in)
			var dw, db []T
			if needW {
				dw = b.ws.get(sDw, d)
				clear(dw)
			}
			if needB {
				db = b.ws.get(sDb, d)
				clear(db)
			}
			out := b.ws.get(sDx, rows*d)
			layerNormBackward(v[0], rows, d, v[1], b.ws.get(sScale, rows), b.ws.get(sHat, rows*d), dw, db, out, false)
			return out, nil
		}, nil)
		wrt := -1
		if b.need[x] {
			wrt = 0
		}
		steps = append(steps, diffStep{wrt, dx, []int{argGrad, 1}})
		if needW {
			steps = append(steps, b.pick(sDw, tensor.Shape{d}, sDw, d, 1, 0))
		}
		if needB {
			steps = append(steps, b.pick(sDb, tensor.Shape{d}, sDb, d, 2, 0))
		}
	}
	return b.apply(b.newOp(name, tensor.Shape{rows, d}, typesOf(x, w, bias), run, steps), x, w, bias)
}

// linear: y[rows, out] = x[rows, in]·W + bias, W of any shape holding an
// [in, out] matrix (W_O's [h, dh, d] is [h·dh, d]); bias nil means none.
func (b *gBuilder[T]) linear(name string, x, W, bias *G.Node, rows, in, out int) *G.Node {
	sY, sDx, sDW, sDb := name+".out", name+".dx", name+".dW", name+".db"
	ins := []*G.Node{x, W}
	if bias != nil {
		ins = append(ins, bias)
	}
	run := func(vals []G.Value) ([]T, error) {
		v := values[T](vals)
		var bv []T
		if len(v) > 2 {
			bv = v[2]
		}
		y := b.ws.get(sY, rows*out)
		linearForward(v[0], rows, in, v[1], out, bv, y)
		return y, nil
	}
	var steps []diffStep
	if b.need[x] {
		op := b.newOp(sDx, tensor.Shape{rows, in}, []hm.Type{b.tt(2), b.tt(W.Dims())}, func(vals []G.Value) ([]T, error) {
			v := values[T](vals)
			dx := b.ws.get(sDx, rows*in)
			linearBackward(nil, rows, in, v[1], out, v[0], nil, nil, dx, false)
			return dx, nil
		}, nil)
		steps = append(steps, diffStep{0, op, []int{argGrad, 1}})
	}
	if b.need[W] {
		op := b.newOp(sDW, W.Shape(), []hm.Type{b.tt(2), b.tt(2)}, func(vals []G.Value) ([]T, error) {
			v := values[T](vals)
			dW := b.ws.get(sDW, in*out)
			clear(dW)
			linearBackward(v[0], rows, in, nil, out, v[1], dW, nil, nil, false)
			return dW, nil
		}, nil)
		steps = append(steps, diffStep{1, op, []int{0, argGrad}})
	}
	if bias != nil && b.need[bias] {
		op := b.newOp(sDb, bias.Shape(), []hm.Type{b.tt(2)}, func(vals []G.Value) ([]T, error) {
			db := b.ws.get(sDb, out)
			clear(db)
			colSum(vals[0].Data().([]T), rows, out, db)
			return db, nil
		}, nil)
		steps = append(steps, diffStep{2, op, []int{argGrad}})
	}
	return b.apply(b.newOp(name, tensor.Shape{rows, out}, typesOf(ins...), run, steps), ins...)
}

// gatherLast keeps the last of every n rows of x[B·n, w]; its gradient
// scatters back.
func (b *gBuilder[T]) gatherLast(name string, x *G.Node, B, n, w int) *G.Node {
	run := func(vals []G.Value) ([]T, error) {
		out := b.ws.get(name, B*w)
		gatherLast(vals[0].Data().([]T), B, n, w, out)
		return out, nil
	}
	var steps []diffStep
	if b.need[x] {
		op := b.newOp(name+".d", tensor.Shape{B * n, w}, []hm.Type{b.tt(2)}, func(vals []G.Value) ([]T, error) {
			dst := b.ws.get(name+".d", B*n*w)
			clear(dst)
			scatterLastAdd(vals[0].Data().([]T), B, n, w, dst)
			return dst, nil
		}, nil)
		steps = append(steps, diffStep{0, op, []int{argGrad}})
	}
	return b.apply(b.newOp(name, tensor.Shape{B, w}, typesOf(x), run, steps), x)
}

// attention is the engine's fused causal attention: z[B·nq, h·dh] from q and
// the packed kv; pattern (and scores when kept) stay in the workspace.
func (b *gBuilder[T]) attention(name string, q, kv *G.Node, s attnShape, keepScores bool) *G.Node {
	hd := s.h * s.dh
	np := s.B * s.h * s.nq * s.n
	sZ, sPat, sSc, sDq, sDkv := name+".z", name+".pattern", name+".scores", name+".dq", name+".dkv"
	run := func(vals []G.Value) ([]T, error) {
		v := values[T](vals)
		var scores []T
		if keepScores {
			scores = b.ws.get(sSc, np)
		}
		z := b.ws.get(sZ, s.B*s.nq*hd)
		attentionForward(s, v[0], v[1], scores, b.ws.get(sPat, np), z)
		return z, nil
	}
	var steps []diffStep
	if b.need[q] || b.need[kv] {
		op := b.newOp(sDq, tensor.Shape{s.B * s.nq, hd}, []hm.Type{b.tt(2), b.tt(2), b.tt(2)}, func(vals []G.Value) ([]T, error) {
			v := values[T](vals)
			dq := b.ws.get(sDq, s.B*s.nq*hd)
			attentionBackward(s, v[0], v[1], b.ws.get(sPat, np), v[2], dq, b.ws.get(sDkv, s.B*s.n*2*hd))
			return dq, nil
		}, nil)
		wrt := -1
		if b.need[q] {
			wrt = 0
		}
		steps = append(steps, diffStep{wrt, op, []int{0, 1, argGrad}})
		if b.need[kv] {
			steps = append(steps, b.pick(sDkv, tensor.Shape{s.B * s.n, 2 * hd}, sDkv, s.B*s.n*2*hd, 1, 0))
		}
	}
	return b.apply(b.newOp(name, tensor.Shape{s.B * s.nq, hd}, typesOf(q, kv), run, steps), q, kv)
}

// add is the residual sum into its own buffer. Gorgonia's Add would write
// into its first input when that is dead, destroying an activation that a
// hook reads after the run.
func (b *gBuilder[T]) add(name string, x, y *G.Node, rows, w int) *G.Node {
	run := func(vals []G.Value) ([]T, error) {
		v := values[T](vals)
		out := b.ws.get(name, rows*w)
		addInto(out, v[0], v[1], w)
		return out, nil
	}
	var steps []diffStep
	if b.need[x] {
		steps = append(steps, diffStep{wrt: 0})
	}
	if b.need[y] {
		steps = append(steps, diffStep{wrt: 1})
	}
	return b.apply(b.newOp(name, tensor.Shape{rows, w}, typesOf(x, y), run, steps), x, y)
}

// activation applies act elementwise to pre[rows, w].
func (b *gBuilder[T]) activation(name, act string, pre *G.Node, rows, w int) *G.Node {
	run := func(vals []G.Value) ([]T, error) {
		out := b.ws.get(name, rows*w)
		activationForward(act, vals[0].Data().([]T), out, w)
		return out, nil
	}
	var steps []diffStep
	if b.need[pre] {
		op := b.newOp(name+".d", tensor.Shape{rows, w}, []hm.Type{b.tt(2), b.tt(2)}, func(vals []G.Value) ([]T, error) {
			v := values[T](vals)
			dx := b.ws.get(name+".d", rows*w)
			activationBackward(act, v[0], v[1], dx, w)
			return dx, nil
		}, nil)
		steps = append(steps, diffStep{0, op, []int{0, argGrad}})
	}
	return b.apply(b.newOp(name, tensor.Shape{rows, w}, typesOf(pre), run, steps), pre)
}

// crossEntropy is the scalar Σ cross-entropy / norm of logits[rows, V]
// against int64 labels, log-softmax in float64; the float64 sum is left in
// st. Its gradient is (softmax − onehot)/norm, scaled by the incoming one.
func (b *gBuilder[T]) crossEntropy(logits, labels *G.Node, rows, V int, st *lossState) *G.Node {
	st.lse, st.row = make([]float64, rows), make([]float64, rows)
	run := func(vals []G.Value) ([]T, error) {
		x, y := vals[0].Data().([]T), vals[1].Data().([]int64)
		parallelRows(rows, V, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				xr := x[r*V : (r+1)*V]
				st.lse[r] = logSumExp(xr)
				st.row[r] = st.lse[r] - float64(xr[y[r]])
			}
		})
		var s float64
		for _, l := range st.row {
			s += l
		}
		st.sum = s
		out := b.ws.get("loss", 1)
		out[0] = T(s / float64(st.norm))
		return out, nil
	}
	dop := b.newOp("loss.d", tensor.Shape{rows, V}, []hm.Type{b.tt(2), tensorType(1, tensor.Int64), b.dt}, func(vals []G.Value) ([]T, error) {
		gs, err := scalarOf(vals[2])
		if err != nil {
			return nil, err
		}
		x, y := vals[0].Data().([]T), vals[1].Data().([]int64)
		g := b.ws.get("loss.d", rows*V)
		norm := float64(st.norm)
		parallelRows(rows, V, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				xr, gr := x[r*V:(r+1)*V], g[r*V:(r+1)*V]
				for j, v := range xr {
					gr[j] = T(math.Exp(float64(v)-st.lse[r]) / norm * gs)
				}
				gr[y[r]] -= T(gs / norm)
			}
		})
		return g, nil
	}, nil)
	op := b.newOp("loss", tensor.ScalarShape(), typesOf(logits, labels), run, []diffStep{{0, dop, []int{0, 1, argGrad}}})
	return b.apply(op, logits, labels)
}
