package model

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/tdw-workbench/tdw/host/model/cuda"
	"github.com/tdw-workbench/tdw/sdk"
)

// cudaLayer holds one block's device buffers, laid out as layerW and
// layerBuf of the CPU runner (net.go); weights not packed are views into
// the runner's parameter buffer.
type cudaLayer struct {
	nq, nt                    int
	wq, bq, wkv, bkv          cuda.Ptr // packed, as layerW
	resid                     cuda.Ptr
	ln1Scale, ln1Hat, ln1Out  cuda.Ptr
	qIn, q, kv                cuda.Ptr
	scores, pattern, z, zt    cuda.Ptr
	residT                    cuda.Ptr
	attnOut, residMid         cuda.Ptr
	ln2Scale, ln2Hat, ln2Out  cuda.Ptr
	pre, post, mlpOut, residP cuda.Ptr
}

// cudaGrads is the backward pass's device scratch, as net.g.
type cudaGrads struct {
	dResid, dResidT, dMid, dLn, dPre, dPost, dzt, dz, dq, dkv, dLn1, dqIn, dLogits cuda.Ptr
	dwq, dbq, dwkv, dbkv                                                           cuda.Ptr
}

// cudaRunner runs one configuration and plan on a CUDA device: the CPU
// runner's buffers and kernels, on the device. Parameters, activations and
// gradients stay there; hooks, logits and losses come back when a call
// returns them.
type cudaRunner struct {
	dev   *cuda.Device
	c     sdk.ModelConfig
	n     int
	maxB  int
	pl    plan
	train bool
	off   map[string][2]int // parameter ranges in the flat vector
	np    int               // parameter count

	res *cudaResources
	s   *cuda.Stream

	params, grads cuda.Ptr // flat [np], ParamSpecs layout
	L             []cudaLayer
	lnf           struct{ scale, hat, out cuda.Ptr }
	logits        cuda.Ptr
	g             cudaGrads
	tok, labels   cuda.Ptr // int64 [maxB*n], [maxB*nt]
	losses, hits  cuda.Ptr // float64 [maxB*nt]
	sums          cuda.Ptr // float64 [2]
	segIdx        cuda.Ptr // int32 [maxB*n]: rows grouped by token
	segCS         cuda.Ptr // int32: chunk starts in segIdx, and the end
	segChOff      cuda.Ptr // int32 [d_vocab+1]: each token's chunks
	segChunks     int

	// Host side: the tokens the device holds (and their grouping), and
	// staging for what comes back.
	hostTok    []int64
	hostLab    []int64
	tokValid   bool
	grouped    bool
	hostLogits []float32
	hostGrads  []float32
	stage      []float32
	sum2       [2]float64

	opt    cudaOptimizer // training on the device (cuda_step.go)
	packed bool          // the packed projections match the parameters
}

// cudaResources is what a runner holds on the device, freed by a cleanup
// when the runner becomes unreachable (Runner has no Close).
type cudaResources struct {
	dev   *cuda.Device
	s     *cuda.Stream
	arena cuda.Ptr
	ws    cuda.Ptr // split-K and column-sum workspace, grown on demand
	wsLen int      // floats
	tmp   cuda.Ptr // hook assembly, allocated on the first emitted hook
	tmpN  int
	extra []cuda.Ptr // further allocations (optimizer moments, ranges)
}

func (res *cudaResources) free() {
	release := res.dev.Bind()
	defer release()
	_ = res.s.Close()
	for _, p := range append([]cuda.Ptr{res.arena, res.ws, res.tmp}, res.extra...) {
		_ = res.dev.Free(p)
	}
}

// must panics on a device error: see CUDA.
func must(err error) {
	if err != nil {
		panic("cuda backend: " + err.Error())
	}
}

// cudaArena lays device buffers out in one allocation: take records where
// each buffer goes, alloc places them.
type cudaArena struct {
	fields []*cuda.Ptr
	offs   []int
	size   int
}

func (a *cudaArena) take(dst *cuda.Ptr, bytes int) {
	if bytes <= 0 {
		*dst = 0
		return
	}
	a.fields = append(a.fields, dst)
	a.offs = append(a.offs, a.size)
	a.size += (bytes + 255) &^ 255
}

func (a *cudaArena) f32(dst *cuda.Ptr, n int) { a.take(dst, 4*n) }

func (a *cudaArena) alloc(dev *cuda.Device) cuda.Ptr {
	base, err := dev.Alloc(max(a.size, 256))
	must(err)
	for i, f := range a.fields {
		*f = base.Add(a.offs[i])
	}
	return base
}

// newCudaRunner allocates the runner's device buffers, sized as newNet
// sizes its host buffers.
func newCudaRunner(dev *cuda.Device, c sdk.ModelConfig, n, maxB int, spec RunSpec) *cudaRunner {
	pl := newPlan(c, spec.Hooks, true, spec.Logits)
	layout := NewParams[float32](c)
	r := &cudaRunner{dev: dev, c: c, n: n, maxB: maxB, pl: pl, train: spec.Train, off: layout.off, np: len(layout.Data)}
	release := dev.Bind()
	defer release()
	s, err := dev.NewStream()
	must(err)
	r.s = s
	var a cudaArena
	r.layoutLayers(&a)
	d, hd, B := c.DModel, c.NHeads*c.DHead, maxB
	rt := B * r.nt()
	a.f32(&r.params, r.np)
	if hasLN(c) {
		a.f32(&r.lnf.scale, rt)
		a.f32(&r.lnf.hat, rt*d)
		a.f32(&r.lnf.out, rt*d)
	}
	a.f32(&r.logits, rt*c.DVocabOut)
	a.take(&r.tok, 8*B*n)
	a.take(&r.labels, 8*rt)
	a.take(&r.losses, 8*rt)
	a.take(&r.hits, 8*rt)
	a.take(&r.sums, 16)
	if spec.Train {
		a.f32(&r.grads, r.np)
		g := &r.g
		a.f32(&g.dLogits, rt*c.DVocabOut)
		for _, p := range []*cuda.Ptr{&g.dResid, &g.dResidT, &g.dMid, &g.dLn, &g.dLn1, &g.dqIn} {
			a.f32(p, B*n*d)
		}
		if hasMLP(c) {
			a.f32(&g.dPre, B*n*c.DMLP)
			a.f32(&g.dPost, B*n*c.DMLP)
		}
		for _, p := range []*cuda.Ptr{&g.dzt, &g.dz, &g.dq} {
			a.f32(p, B*n*hd)
		}
		a.f32(&g.dkv, B*n*2*hd)
		a.f32(&g.dwq, d*hd)
		a.f32(&g.dbq, hd)
		a.f32(&g.dwkv, d*2*hd)
		a.f32(&g.dbkv, 2*hd)
		a.take(&r.segIdx, 4*B*n)
		a.take(&r.segCS, 4*(ceilDiv(B*n, segChunk)+c.DVocab+1))
		a.take(&r.segChOff, 4*(c.DVocab+1))
	}
	r.res = &cudaResources{dev: dev, s: s, arena: a.alloc(dev)}
	r.aliasLayers()
	runtime.AddCleanup(r, func(res *cudaResources) { res.free() }, r.res)
	return r
}

func (r *cudaRunner) nt() int {
	if r.pl.tailAll {
		return r.n
	}
	return 1
}

// layoutLayers sizes each block's buffers as newNet does; buffers that
// alias another (resid of a later block, zt, residT, residP) are set by
// aliasLayers once the arena is placed.
func (r *cudaRunner) layoutLayers(a *cudaArena) {
	c, n, B := r.c, r.n, r.maxB
	d, hd := c.DModel, c.NHeads*c.DHead
	r.L = make([]cudaLayer, c.NLayers)
	for l := range r.L {
		L := &r.L[l]
		a.f32(&L.wq, d*hd)
		a.f32(&L.bq, hd)
		a.f32(&L.wkv, d*2*hd)
		a.f32(&L.bkv, 2*hd)
		L.nq, L.nt = n, n
		if l == c.NLayers-1 {
			if !r.pl.qAll {
				L.nq = 1
			}
			L.nt = r.nt()
		}
		if l == 0 {
			a.f32(&L.resid, B*n*d)
		}
		if hasLN(c) {
			a.f32(&L.ln1Scale, B*n)
			a.f32(&L.ln1Hat, B*n*d)
			a.f32(&L.ln1Out, B*n*d)
		}
		if L.nq != n {
			a.f32(&L.qIn, B*L.nq*d)
		}
		a.f32(&L.q, B*L.nq*hd)
		a.f32(&L.kv, B*n*2*hd)
		a.f32(&L.pattern, B*c.NHeads*L.nq*n)
		a.f32(&L.scores, B*c.NHeads*L.nq*n)
		a.f32(&L.z, B*L.nq*hd)
		if L.nt != L.nq {
			a.f32(&L.zt, B*L.nt*hd)
		}
		if L.nt != n {
			a.f32(&L.residT, B*L.nt*d)
		}
		rt := B * L.nt
		a.f32(&L.attnOut, rt*d)
		a.f32(&L.residMid, rt*d)
		if hasMLP(c) {
			if hasLN(c) {
				a.f32(&L.ln2Scale, rt)
				a.f32(&L.ln2Hat, rt*d)
				a.f32(&L.ln2Out, rt*d)
			}
			a.f32(&L.pre, rt*c.DMLP)
			a.f32(&L.post, rt*c.DMLP)
			a.f32(&L.mlpOut, rt*d)
			a.f32(&L.residP, rt*d)
		}
	}
}

func (r *cudaRunner) aliasLayers() {
	for l := range r.L {
		L := &r.L[l]
		if l > 0 {
			L.resid = r.L[l-1].residP
		}
		if L.nt == L.nq {
			L.zt = L.z
		}
		if L.nt == r.n {
			L.residT = L.resid
		}
		if !hasMLP(r.c) {
			L.residP = L.residMid
		}
	}
}

// param returns the device address of the named parameter, or of its
// gradient when grad is set; 0 for a name in skip (no gradient wanted).
func (r *cudaRunner) param(name string) cuda.Ptr {
	o, ok := r.off[name]
	if !ok {
		panic(fmt.Sprintf("model: no parameter %q", name))
	}
	return r.params.Add(4 * o[0])
}

func (r *cudaRunner) grad(name string, skip map[string]bool) cuda.Ptr {
	if skip[name] {
		return 0
	}
	return r.grads.Add(4 * r.off[name][0])
}

// upload makes the device's parameters those of p and packs them. It
// copies nothing when they are what the device already holds (the host
// copy of the last upload or download says so): an evaluation in chunks,
// or a training epoch after the previous one, reuses them.
func (r *cudaRunner) upload(p *Params[float32]) {
	if len(p.Data) != r.np {
		panic(fmt.Sprintf("model: %d parameters for a runner of %d", len(p.Data), r.np))
	}
	o := &r.opt
	if !o.shadowValid || !sameFloats(o.shadow, p.Data) {
		must(cuda.CopyIn(r.s, r.params, p.Data))
		o.shadow = append(o.shadow[:0], p.Data...)
		o.shadowValid = true
		r.packed = false
	}
	if !r.packed {
		r.pack()
	}
}

// setTokens makes tok (and labels, when not nil) the device's batch,
// copying only what changed since the last call: a full-batch epoch or an
// evaluation passes the same data every time. With grouping, the rows are
// also grouped by token for the embedding gradient.
func (r *cudaRunner) setTokens(tok, labels []int64, group bool) {
	if !r.tokValid || !slices.Equal(r.hostTok, tok) {
		must(cuda.CopyIn(r.s, r.tok, tok))
		r.hostTok = append(r.hostTok[:0], tok...)
		r.tokValid, r.grouped = true, false
	}
	if group && !r.grouped {
		r.groupTokens()
		r.grouped = true
	}
	if labels != nil && !slices.Equal(r.hostLab, labels) {
		must(cuda.CopyIn(r.s, r.labels, labels))
		r.hostLab = append(r.hostLab[:0], labels...)
	}
}

// segChunk is the most rows of one token a thread of the embedding
// gradient adds (segment_partial).
const segChunk = 32

// groupTokens uploads the rows of the device's batch grouped by token
// (ascending rows within a token), each token's rows cut into chunks of
// segChunk: the embedding gradient then sums each chunk in row order and
// each token's chunks in order.
func (r *cudaRunner) groupTokens() {
	V := r.c.DVocab
	off := make([]int32, V+1)
	for _, t := range r.hostTok {
		off[t+1]++
	}
	for v := 0; v < V; v++ {
		off[v+1] += off[v]
	}
	idx := make([]int32, len(r.hostTok))
	next := slices.Clone(off[:V])
	for row, t := range r.hostTok {
		idx[next[t]] = int32(row)
		next[t]++
	}
	cs := make([]int32, 0, ceilDiv(len(idx), segChunk)+V+1)
	choff := make([]int32, V+1)
	for v := 0; v < V; v++ {
		for k := off[v]; k < off[v+1]; k += segChunk {
			cs = append(cs, k)
		}
		choff[v+1] = int32(len(cs))
	}
	cs = append(cs, off[V])
	r.segChunks = len(cs) - 1
	must(cuda.CopyIn(r.s, r.segIdx, idx))
	must(cuda.CopyIn(r.s, r.segCS, cs))
	must(cuda.CopyIn(r.s, r.segChOff, choff))
}

func (r *cudaRunner) Forward(p *Params[float32], tok []int64, B int, emit Emitter) []float32 {
	release := r.dev.Bind()
	defer release()
	r.upload(p)
	r.setTokens(tok, nil, false)
	r.forward(B, emit)
	return r.fetchLogits(B)
}

// fetchLogits copies the logits of B sequences to the host.
func (r *cudaRunner) fetchLogits(B int) []float32 {
	k := B * r.nt() * r.c.DVocabOut
	if cap(r.hostLogits) < k {
		r.hostLogits = make([]float32, r.maxB*r.nt()*r.c.DVocabOut)
	}
	out := r.hostLogits[:k]
	must(cuda.CopyOut(r.s, out, r.logits))
	must(r.s.Sync())
	return out
}

func (r *cudaRunner) Gradient(p *Params[float32], tok, labels []int64, B, norm int, grads *Params[float32], skip map[string]bool) float64 {
	release := r.dev.Bind()
	defer release()
	r.upload(p)
	rows := r.gradient(tok, labels, B, norm, skip)
	loss := r.fetchSums(rows, false)[0]
	if r.hostGrads == nil {
		r.hostGrads = make([]float32, r.np)
	}
	must(cuda.CopyOut(r.s, r.hostGrads, r.grads))
	must(r.s.Sync())
	for i, v := range r.hostGrads {
		grads.Data[i] += v
	}
	return loss
}

// gradient queues forward, loss and backward on the device's (packed)
// parameters, leaving the gradient in r.grads and the per-row losses in
// r.losses, and returns the loss row count.
func (r *cudaRunner) gradient(tok, labels []int64, B, norm int, skip map[string]bool) int {
	r.setTokens(tok, labels, true)
	r.forward(B, nil)
	rows := B * r.nt()
	r.crossEntropy(rows, norm, r.g.dLogits, 0)
	must(r.s.Fill32(r.grads, 0, r.np))
	r.backward(B, skip)
	return rows
}

// ForwardLoss runs B sequences and returns Σ cross-entropy (log-softmax in
// float64) of the logit rows against labels and the number of rows whose
// first maximal logit is the label, reduced on the device: only the two
// numbers come back.
func (r *cudaRunner) ForwardLoss(p *Params[float32], tok, labels []int64, B int) (float64, int) {
	release := r.dev.Bind()
	defer release()
	r.upload(p)
	r.setTokens(tok, labels, false)
	r.forward(B, nil)
	rows := B * r.nt()
	r.crossEntropy(rows, 1, 0, r.hits)
	s := r.fetchSums(rows, true)
	return s[0], int(s[1])
}
