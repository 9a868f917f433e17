package model

import (
	"slices"
	"unsafe"

	"github.com/tdw-workbench/tdw/host/model/cuda"
)

// cudaOptimizer is a training runner's optimizer state on the device: the
// AdamW moments, the trainable ranges of the flat vector, and a host copy
// of the parameters the device holds (every runner keeps one: see upload),
// so a Trainer's next epoch copies nothing when nobody changed them in
// between.
type cudaOptimizer struct {
	exp, expSq  cuda.Ptr
	ranges      cuda.Ptr // int32 pairs (offset, length)
	nranges     int
	rangeKey    []bool // trainable flag per parameter the ranges were made for
	shadow      []float32
	shadowValid bool
}

// loadState makes the device's parameters those of p, copying them only
// when they differ from what the device last held, and with moments the
// device's AdamW moments those of exp and expSq.
func (r *cudaRunner) loadState(p, exp, expSq *Params[float32], moments bool) {
	release := r.dev.Bind()
	defer release()
	o := &r.opt
	if o.exp == 0 {
		for _, dst := range []*cuda.Ptr{&o.exp, &o.expSq} {
			ptr, err := r.dev.Alloc(4 * r.np)
			must(err)
			*dst = ptr
			r.res.extra = append(r.res.extra, ptr)
		}
	}
	r.upload(p)
	if moments {
		must(cuda.CopyIn(r.s, o.exp, exp.Data))
		must(cuda.CopyIn(r.s, o.expSq, expSq.Data))
	}
}

// sameFloats compares bit patterns (a NaN equals itself, -0 differs from 0).
func sameFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	ab := unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 4*len(a))
	bb := unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 4*len(b))
	return string(ab) == string(bb)
}

// step takes one optimizer step on the device: forward, loss and backward
// on B sequences, then AdamW at step t (1-based) over the parameters not in
// frozen. It returns Σ cross-entropy of the weights before the update.
func (r *cudaRunner) step(tok, labels []int64, B, norm int, o AdamW, t int, frozen map[string]bool) float64 {
	release := r.dev.Bind()
	defer release()
	r.setRanges(frozen)
	if !r.packed {
		r.pack()
	}
	rows := r.gradient(tok, labels, B, norm, frozen)
	k := adamwCoefs(o, t)
	opt := &r.opt
	if opt.nranges > 0 {
		must(r.s.Launch(cuda.AdamW, cuda.Dim3{X: min(ceilDiv(r.np, cudaBlock), cudaMaxGrid), Y: opt.nranges}, cuda.Dim3{X: cudaBlock},
			opt.ranges, r.params, r.grads, opt.exp, opt.expSq, k.decay, k.w1, k.b2, k.w2, k.stepSize, k.bc2Sqrt, k.eps))
	}
	opt.shadowValid, r.packed = false, false
	return r.fetchSums(rows, false)[0]
}

// setRanges uploads the trainable ranges of the flat parameter vector (runs
// of parameters not in frozen, merged) when the frozen set changed.
func (r *cudaRunner) setRanges(frozen map[string]bool) {
	specs := ParamSpecs(r.c)
	key := make([]bool, len(specs))
	for i, s := range specs {
		key[i] = !frozen[s.Name]
	}
	o := &r.opt
	if o.ranges != 0 && slices.Equal(key, o.rangeKey) {
		return
	}
	var rs []int32
	for i, s := range specs {
		if !key[i] {
			continue
		}
		lo, hi := r.off[s.Name][0], r.off[s.Name][1]
		if n := len(rs); n > 0 && int(rs[n-2]+rs[n-1]) == lo {
			rs[n-1] += int32(hi - lo)
			continue
		}
		rs = append(rs, int32(lo), int32(hi-lo))
	}
	o.rangeKey, o.nranges = key, len(rs)/2
	if o.ranges == 0 {
		ptr, err := r.dev.Alloc(8 * len(specs))
		must(err)
		o.ranges = ptr
		r.res.extra = append(r.res.extra, ptr)
	}
	if o.nranges > 0 {
		must(cuda.CopyIn(r.s, o.ranges, rs))
	}
}

// storeParams copies the device's parameters into p.
func (r *cudaRunner) storeParams(p *Params[float32]) {
	release := r.dev.Bind()
	defer release()
	must(cuda.CopyOut(r.s, p.Data, r.params))
	must(r.s.Sync())
	r.opt.shadow = append(r.opt.shadow[:0], p.Data...)
	r.opt.shadowValid = true
}

// storeMoments copies the device's AdamW moments into exp and expSq.
func (r *cudaRunner) storeMoments(exp, expSq *Params[float32]) {
	release := r.dev.Bind()
	defer release()
	must(cuda.CopyOut(r.s, exp.Data, r.opt.exp))
	must(cuda.CopyOut(r.s, expSq.Data, r.opt.expSq))
	must(r.s.Sync())
}
