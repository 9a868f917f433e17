package model

import (
	"fmt"
	"sort"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/tdw-workbench/tdw/sdk"
)

// Gorgonia returns the Gorgonia backend: each Runner builds a Gorgonia
// expression graph of the model (one per batch size) whose nodes are
// custom Ops wrapping the engine's fused kernels (embedding, head packing,
// LayerNorm, linear layers over the engine's BLAS, fused causal attention,
// residual sums, activations, cross-entropy), differentiates it with
// gorgonia.Grad and runs forward and backward on a TapeMachine. Values are
// tensor.Dense views of the parameters' and the runner's own buffers: no
// copies. The forward pass equals the CPU backend's bit for bit, gradients up
// to float32 rounding of their sums; runs are deterministic. A Runner's
// methods panic, naming the op, if Gorgonia fails to build or run the graph:
// inputs are validated before they reach a Runner, so that is a bug.
func Gorgonia() Backend { return gorgoniaBackend{} }

type gorgoniaBackend struct{}

func (gorgoniaBackend) Name() string { return "gorgonia-" + BLASName }

func (gorgoniaBackend) NewRunner(c sdk.ModelConfig, n, maxBatch int, spec RunSpec) Runner {
	return newGorgoniaRunner[float32](c, n, maxBatch, spec)
}

// gorgoniaRunner keeps one compiled graph per batch size (and, for
// training, per set of frozen parameters) over one shared workspace.
type gorgoniaRunner[T Float] struct {
	c      sdk.ModelConfig
	n      int
	pl     plan
	specs  []ParamSpec
	ws     *workspace[T]
	graphs map[string]*gGraph[T]
}

// newGorgoniaRunner makes a runner for sequences of n positions; graphs are
// built per batch size on first use, so no maximum batch is needed.
func newGorgoniaRunner[T Float](c sdk.ModelConfig, n, _ int, spec RunSpec) *gorgoniaRunner[T] {
	return &gorgoniaRunner[T]{c: c, n: n, pl: newPlan(c, spec.Hooks, true, spec.Logits),
		specs: ParamSpecs(c), ws: &workspace[T]{bufs: map[string][]T{}}, graphs: map[string]*gGraph[T]{}}
}

// gGraph is one compiled graph with its input nodes and the nodes read after
// a run.
type gGraph[T Float] struct {
	vm     G.VM
	params []*G.Node // in ParamSpecs order
	tok    *G.Node
	lab    *G.Node
	logits *G.Node
	grads  []*G.Node // per parameter; nil when frozen
	loss   lossState
	// emit, curB and curTok are the current forward call's, for the hooks
	// that ops emit as they complete.
	emit   Emitter
	curB   int
	curTok []int64
	bound  *Params[T] // the parameters bound last
	boundD *T
}

// gHook reads one kept hook: B × g groups × r rows × w.
type gHook[T Float] struct {
	name    string
	g, r, w int
	buf     func(tok []int64) []T
}

func (r *gorgoniaRunner[T]) nt() int {
	if r.pl.tailAll {
		return r.n
	}
	return 1
}

// graph returns the graph for B sequences, building it on first use.
func (r *gorgoniaRunner[T]) graph(B int, train bool, skip map[string]bool) *gGraph[T] {
	key := fmt.Sprintf("fwd|%d", B)
	if train {
		var fz []string
		for _, s := range r.specs {
			if skip[s.Name] {
				fz = append(fz, s.Name)
			}
		}
		sort.Strings(fz)
		key = fmt.Sprintf("train|%d|%s", B, strings.Join(fz, ","))
	}
	if g := r.graphs[key]; g != nil {
		return g
	}
	g := r.build(B, train, skip)
	r.graphs[key] = g
	return g
}

// build lays out the model as the CPU forward does (same plan: the last
// block's queries and tail at the last position only unless kept at every
// position) and, for training, adds the loss and its gradient.
func (r *gorgoniaRunner[T]) build(B int, train bool, skip map[string]bool) *gGraph[T] {
	c, n := r.c, r.n
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	dt := dtypeOf[T]()
	g := G.NewGraph()
	b := &gBuilder[T]{g: g, ws: r.ws, dt: dt, need: map[*G.Node]bool{}}
	gr := &gGraph[T]{}
	P := map[string]*G.Node{}
	for _, s := range r.specs {
		nd := G.NewTensor(g, dt, len(s.Shape), G.WithShape(s.Shape...), G.WithName(s.Name))
		P[s.Name] = nd
		gr.params = append(gr.params, nd)
		b.need[nd] = train && !skip[s.Name]
	}
	gr.tok = G.NewTensor(g, tensor.Int64, 1, G.WithShape(B*n), G.WithName("tokens"))
	// A kept hook is emitted by the op of the node whose value completes it
	// (at the latest: the last node of the graph), right after its kernel.
	hooksAt := map[*G.Node][]gHook[T]{}
	var order []*G.Node
	hook := func(at *G.Node, name string, gs, rows, w int, buf func([]int64) []T) {
		if _, ok := r.pl.hooks[name]; ok && !train {
			if hooksAt[at] == nil {
				order = append(order, at)
			}
			hooksAt[at] = append(hooksAt[at], gHook[T]{name, gs, rows, w, buf})
		}
	}
	// A node's value is bound only after its op returns: hooks read the
	// op's output view instead.
	out := func(nd *G.Node) []T { return nd.Op().(*kernelOp[T]).dense.Data().([]T) }
	nodeBuf := func(nd *G.Node) func([]int64) []T {
		return func([]int64) []T { return out(nd) }
	}
	slotBuf := func(slot string, size int) func([]int64) []T {
		return func([]int64) []T { return r.ws.get(slot, size) }
	}
	keptRows := func(name string) int {
		if r.pl.hooks[name].Select == LastPosition {
			return 1
		}
		return n
	}
	// Hooks that are no node's value are assembled at the kept rows, as the
	// CPU runner does.
	copyRows := func(name string, src func() []T, ld, off, w int) func([]int64) []T {
		return func([]int64) []T {
			rr := keptRows(name)
			tmp, s := r.ws.get("hook.tmp", B*rr*w), src()
			for bb := 0; bb < B; bb++ {
				for i := n - rr; i < n; i++ {
					copy(tmp[(bb*rr+i-(n-rr))*w:][:w], s[(bb*n+i)*ld+off:][:w])
				}
			}
			return tmp
		}
	}
	resid := b.embed(P["embed.W_E"], P["pos_embed.W_pos"], gr.tok, B, n, d)
	hook(resid, "hook_embed", 1, keptRows("hook_embed"), d, func(tok []int64) []T {
		rr := keptRows("hook_embed")
		tmp, WE := r.ws.get("hook.tmp", B*rr*d), P["embed.W_E"].Value().Data().([]T)
		for bb := 0; bb < B; bb++ {
			for i := n - rr; i < n; i++ {
				copy(tmp[(bb*rr+i-(n-rr))*d:][:d], WE[int(tok[bb*n+i])*d:][:d])
			}
		}
		return tmp
	})
	hook(resid, "hook_pos_embed", 1, keptRows("hook_pos_embed"), d, func([]int64) []T {
		rr := keptRows("hook_pos_embed")
		tmp, Wpos := r.ws.get("hook.tmp", B*rr*d), P["pos_embed.W_pos"].Value().Data().([]T)
		for bb := 0; bb < B; bb++ {
			copy(tmp[bb*rr*d:(bb+1)*rr*d], Wpos[(n-rr)*d:n*d])
		}
		return tmp
	})
	for l := 0; l < c.NLayers; l++ {
		pre := fmt.Sprintf("blocks.%d.", l)
		nq, nt := n, n
		if l == c.NLayers-1 {
			if !r.pl.qAll {
				nq = 1
			}
			nt = r.nt()
		}
		R := B * n
		hook(resid, pre+"hook_resid_pre", 1, n, d, nodeBuf(resid))
		x := resid
		if hasLN(c) {
			x = b.layerNorm(pre+"ln1", resid, P[pre+"ln1.w"], P[pre+"ln1.b"], R, d)
			hook(x, pre+"ln1.hook_scale", 1, n, 1, slotBuf(pre+"ln1.scale", R))
			hook(x, pre+"ln1.hook_normalized", 1, n, d, nodeBuf(x))
		}
		wkv := b.packHeads(pre+"attn.W_KV", h, d, dh, false, P[pre+"attn.W_K"], P[pre+"attn.W_V"])
		bkv := b.packHeads(pre+"attn.b_KV", h, 1, dh, true, P[pre+"attn.b_K"], P[pre+"attn.b_V"])
		kv := b.linear(pre+"attn.kv", x, wkv, bkv, R, d, 2*hd)
		kvBuf := func() []T { return out(kv) }
		hook(kv, pre+"attn.hook_k", 1, keptRows(pre+"attn.hook_k"), hd, copyRows(pre+"attn.hook_k", kvBuf, 2*hd, 0, hd))
		hook(kv, pre+"attn.hook_v", 1, keptRows(pre+"attn.hook_v"), hd, copyRows(pre+"attn.hook_v", kvBuf, 2*hd, hd, hd))
		qIn := x
		if nq != n {
			qIn = b.gatherLast(pre+"attn.q_in", x, B, n, d)
		}
		wq := b.packHeads(pre+"attn.W_Qp", h, d, dh, false, P[pre+"attn.W_Q"])
		q := b.linear(pre+"attn.q", qIn, wq, P[pre+"attn.b_Q"], B*nq, d, hd)
		hook(q, pre+"attn.hook_q", 1, nq, hd, nodeBuf(q))
		_, keepScores := r.pl.hooks[pre+"attn.hook_attn_scores"]
		keepScores = keepScores && !train
		s := attnShape{B, n, h, dh, nq}
		z := b.attention(pre+"attn", q, kv, s, keepScores)
		np := B * h * nq * n
		hook(z, pre+"attn.hook_attn_scores", h, nq, n, slotBuf(pre+"attn.scores", np))
		hook(z, pre+"attn.hook_pattern", h, nq, n, slotBuf(pre+"attn.pattern", np))
		hook(z, pre+"attn.hook_z", 1, nq, hd, nodeBuf(z))
		zt, residT := z, resid
		if nt != nq {
			zt = b.gatherLast(pre+"attn.z_t", z, B, n, hd)
		}
		if nt != n {
			residT = b.gatherLast(pre+"resid_t", resid, B, n, d)
		}
		rt := B * nt
		attnOut := b.linear(pre+"attn.out", zt, P[pre+"attn.W_O"], P[pre+"attn.b_O"], rt, hd, d)
		hook(attnOut, pre+"hook_attn_out", 1, nt, d, nodeBuf(attnOut))
		resid = b.add(pre+"resid_mid", residT, attnOut, rt, d)
		if hasMLP(c) {
			mid := resid
			hook(mid, pre+"hook_resid_mid", 1, nt, d, nodeBuf(mid))
			x := mid
			if hasLN(c) {
				x = b.layerNorm(pre+"ln2", mid, P[pre+"ln2.w"], P[pre+"ln2.b"], rt, d)
				hook(x, pre+"ln2.hook_scale", 1, nt, 1, slotBuf(pre+"ln2.scale", rt))
				hook(x, pre+"ln2.hook_normalized", 1, nt, d, nodeBuf(x))
			}
			preAct := b.linear(pre+"mlp.in", x, P[pre+"mlp.W_in"], P[pre+"mlp.b_in"], rt, d, c.DMLP)
			hook(preAct, pre+"mlp.hook_pre", 1, nt, c.DMLP, nodeBuf(preAct))
			post := b.activation(pre+"mlp.act", c.ActFn, preAct, rt, c.DMLP)
			hook(post, pre+"mlp.hook_post", 1, nt, c.DMLP, nodeBuf(post))
			mlpOut := b.linear(pre+"mlp.out", post, P[pre+"mlp.W_out"], P[pre+"mlp.b_out"], rt, c.DMLP, d)
			hook(mlpOut, pre+"hook_mlp_out", 1, nt, d, nodeBuf(mlpOut))
			resid = b.add(pre+"resid_post", mid, mlpOut, rt, d)
		}
		hook(resid, pre+"hook_resid_post", 1, nt, d, nodeBuf(resid))
	}
	nt := r.nt()
	rt := B * nt
	x := resid
	if hasLN(c) {
		x = b.layerNorm("ln_final", resid, P["ln_final.w"], P["ln_final.b"], rt, d)
		hook(x, "ln_final.hook_scale", 1, nt, 1, slotBuf("ln_final.scale", rt))
		hook(x, "ln_final.hook_normalized", 1, nt, d, nodeBuf(x))
	}
	gr.logits = b.linear("unembed", x, P["unembed.W_U"], P["unembed.b_U"], rt, d, c.DVocabOut)
	for _, at := range order {
		hs := hooksAt[at]
		at.Op().(*kernelOp[T]).after = func() {
			if gr.emit == nil {
				return
			}
			for _, hk := range hs {
				emitAs(gr.emit, hk.name, hk.buf(gr.curTok), gr.curB, hk.g, hk.r, hk.w)
			}
		}
	}
	if train {
		gr.lab = G.NewTensor(g, tensor.Int64, 1, G.WithShape(rt), G.WithName("labels"))
		loss := b.crossEntropy(gr.logits, gr.lab, rt, c.DVocabOut, &gr.loss)
		var wrt G.Nodes
		var idx []int
		for i, s := range r.specs {
			if !skip[s.Name] {
				wrt, idx = append(wrt, P[s.Name]), append(idx, i)
			}
		}
		gr.grads = make([]*G.Node, len(r.specs))
		if len(wrt) > 0 {
			gs, err := G.Grad(loss, wrt...)
			if err != nil {
				panic(fmt.Sprintf("model: gorgonia graph: gradient: %v", err))
			}
			for k, i := range idx {
				gr.grads[i] = gs[k]
			}
		}
	}
	gr.vm = G.NewTapeMachine(g)
	return gr
}

// run binds the parameters (when they changed), tokens and labels and runs
// the program once. A failing run is a bug in the graph: it panics.
func (r *gorgoniaRunner[T]) run(gr *gGraph[T], p *Params[T], tok, lab []int64) {
	if gr.bound != p || gr.boundD != &p.Data[0] {
		for i, s := range r.specs {
			if err := G.Let(gr.params[i], tensor.New(tensor.WithShape(s.Shape...), tensor.WithBacking(p.Get(s.Name)))); err != nil {
				panic(fmt.Sprintf("model: gorgonia backend: bind %s: %v", s.Name, err))
			}
		}
		gr.bound, gr.boundD = p, &p.Data[0]
	}
	if err := G.Let(gr.tok, tensor.New(tensor.WithShape(len(tok)), tensor.WithBacking(tok))); err != nil {
		panic(fmt.Sprintf("model: gorgonia backend: bind tokens: %v", err))
	}
	if gr.lab != nil {
		if err := G.Let(gr.lab, tensor.New(tensor.WithShape(len(lab)), tensor.WithBacking(lab))); err != nil {
			panic(fmt.Sprintf("model: gorgonia backend: bind labels: %v", err))
		}
	}
	gr.vm.Reset()
	if err := gr.vm.RunAll(); err != nil {
		panic(fmt.Sprintf("model: gorgonia backend: run: %v", err))
	}
}

// Forward runs the forward graph for B sequences; the kept hooks are read
// from the op outputs (and kernel state) and emitted as each op completes,
// while the data is in cache (after the run it cost 14% more).
func (r *gorgoniaRunner[T]) Forward(p *Params[T], tok []int64, B int, emit Emitter) []T {
	gr := r.graph(B, false, nil)
	tok = tok[:B*r.n]
	gr.emit, gr.curB, gr.curTok = emit, B, tok
	r.run(gr, p, tok, nil)
	gr.emit, gr.curTok = nil, nil
	return gr.logits.Value().Data().([]T)[:B*r.nt()*r.c.DVocabOut]
}

// emitAs hands a float32 buffer to emit; the float64 path (tests) emits
// nothing.
func emitAs[T Float](emit Emitter, name string, buf []T, B, g, r, w int) {
	if b, ok := any(buf).([]float32); ok {
		emit(name, b[:B*g*r*w], B, g, r, w)
	}
}

// Gradient runs forward and backward on B sequences and adds the parameter
// gradients read from the gradient nodes into grads.
func (r *gorgoniaRunner[T]) Gradient(p *Params[T], tok, labels []int64, B, norm int, grads *Params[T], skip map[string]bool) float64 {
	gr := r.graph(B, true, skip)
	gr.loss.norm = norm
	r.run(gr, p, tok[:B*r.n], labels[:B*r.nt()])
	for i, gn := range gr.grads {
		if gn == nil {
			continue
		}
		dst := grads.Get(r.specs[i].Name)
		for j, v := range gn.Value().Data().([]T) {
			dst[j] += v
		}
	}
	return gr.loss.sum
}
