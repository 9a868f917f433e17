package model

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gBuild is one graph under construction: its builder, parameter nodes and
// the hooks to emit, each by the node whose op completes it.
type gBuild[T Float] struct {
	r       *gorgoniaRunner[T]
	b       *gBuilder[T]
	gr      *gGraph[T]
	P       map[string]*G.Node // parameter nodes by name
	B       int
	train   bool
	hooksAt map[*G.Node][]gHook[T]
	order   []*G.Node // nodes with hooks, in the order they were added
}

// build lays out the model as the CPU forward does (same plan: the last
// block's queries and tail at the last position only unless kept at every
// position) and, for training, adds the loss and its gradient. The phases
// add nodes in the graph's execution order, which fixes the order of the
// kernels and of the emitted hooks.
func (r *gorgoniaRunner[T]) build(B int, train bool, skip map[string]bool) *gGraph[T] {
	s := r.newBuild(B, train, skip)
	if IsMLP(r.c) {
		s.gr.logits = s.mlpNet()
		return s.finish(train, skip)
	}
	resid := s.embedding()
	for l := 0; l < r.c.NLayers; l++ {
		resid = s.block(l, resid)
	}
	s.gr.logits = s.unembed(resid)
	return s.finish(train, skip)
}

// finish attaches the hooks, adds the loss and gradients for training and
// compiles the graph.
func (s *gBuild[T]) finish(train bool, skip map[string]bool) *gGraph[T] {
	s.attachHooks()
	if train {
		s.lossAndGradients(skip)
	}
	s.gr.vm = G.NewTapeMachine(s.b.g)
	return s.gr
}

// newBuild starts a graph with its inputs: a node per parameter (trainable
// unless skipped, for training) and the token node.
func (r *gorgoniaRunner[T]) newBuild(B int, train bool, skip map[string]bool) *gBuild[T] {
	dt := dtypeOf[T]()
	g := G.NewGraph()
	s := &gBuild[T]{r: r, b: &gBuilder[T]{g: g, ws: r.ws, dt: dt, need: map[*G.Node]bool{}}, gr: &gGraph[T]{},
		P: map[string]*G.Node{}, B: B, train: train, hooksAt: map[*G.Node][]gHook[T]{}}
	for _, sp := range r.specs {
		nd := G.NewTensor(g, dt, len(sp.Shape), G.WithShape(sp.Shape...), G.WithName(sp.Name))
		s.P[sp.Name] = nd
		s.gr.params = append(s.gr.params, nd)
		s.b.need[nd] = train && !skip[sp.Name]
	}
	s.gr.tok = G.NewTensor(g, tensor.Int64, 1, G.WithShape(B*r.n), G.WithName("tokens"))
	return s
}

// hook records a kept hook, emitted by the op of node at (at the latest:
// the last node of the graph), right after its kernel. Training emits none.
func (s *gBuild[T]) hook(at *G.Node, name string, gs, rows, w int, buf func([]int64) []T) {
	if _, ok := s.r.pl.hooks[name]; ok && !s.train {
		if s.hooksAt[at] == nil {
			s.order = append(s.order, at)
		}
		s.hooksAt[at] = append(s.hooksAt[at], gHook[T]{name, gs, rows, w, buf})
	}
}

// out is a node's output view: its value is bound only after its op
// returns, so hooks read the op's output instead.
func out[T Float](nd *G.Node) []T { return nd.Op().(*kernelOp[T]).dense.Data().([]T) }

// nodeBuf reads a hook from a node's output.
func (s *gBuild[T]) nodeBuf(nd *G.Node) func([]int64) []T {
	return func([]int64) []T { return out[T](nd) }
}

// slotBuf reads a hook from a workspace slot a kernel filled.
func (s *gBuild[T]) slotBuf(slot string, size int) func([]int64) []T {
	return func([]int64) []T { return s.r.ws.get(slot, size) }
}

// keptRows is the number of positions a hook is kept at.
func (s *gBuild[T]) keptRows(name string) int {
	if s.r.pl.hooks[name].Select == LastPosition {
		return 1
	}
	return s.r.n
}

// copyRows assembles a hook that is no node's value at its kept rows, as the
// CPU runner does: w columns from offset off of rows of width ld.
func (s *gBuild[T]) copyRows(name string, src func() []T, ld, off, w int) func([]int64) []T {
	B, n := s.B, s.r.n
	return func([]int64) []T {
		rr := s.keptRows(name)
		tmp, sb := s.r.ws.get("hook.tmp", B*rr*w), src()
		for bb := 0; bb < B; bb++ {
			for i := n - rr; i < n; i++ {
				copy(tmp[(bb*rr+i-(n-rr))*w:][:w], sb[(bb*n+i)*ld+off:][:w])
			}
		}
		return tmp
	}
}

// embedding adds the token and position embeddings; their hooks are read
// from the weights at the kept rows.
func (s *gBuild[T]) embedding() *G.Node {
	B, n, d, P := s.B, s.r.n, s.r.c.DModel, s.P
	resid := s.b.embed(P["embed.W_E"], P["pos_embed.W_pos"], s.gr.tok, B, n, d)
	s.hook(resid, "hook_embed", 1, s.keptRows("hook_embed"), d, func(tok []int64) []T {
		rr := s.keptRows("hook_embed")
		tmp, WE := s.r.ws.get("hook.tmp", B*rr*d), P["embed.W_E"].Value().Data().([]T)
		for bb := 0; bb < B; bb++ {
			for i := n - rr; i < n; i++ {
				copy(tmp[(bb*rr+i-(n-rr))*d:][:d], WE[int(tok[bb*n+i])*d:][:d])
			}
		}
		return tmp
	})
	s.hook(resid, "hook_pos_embed", 1, s.keptRows("hook_pos_embed"), d, func([]int64) []T {
		rr := s.keptRows("hook_pos_embed")
		tmp, Wpos := s.r.ws.get("hook.tmp", B*rr*d), P["pos_embed.W_pos"].Value().Data().([]T)
		for bb := 0; bb < B; bb++ {
			copy(tmp[bb*rr*d:(bb+1)*rr*d], Wpos[(n-rr)*d:n*d])
		}
		return tmp
	})
	return resid
}

// block adds transformer block l on resid: attention, then the MLP unless
// the model is attention-only. The last block computes its queries and
// tail at the rows the plan keeps.
func (s *gBuild[T]) block(l int, resid *G.Node) *G.Node {
	c, n := s.r.c, s.r.n
	pre := fmt.Sprintf("blocks.%d.", l)
	nq, nt := n, n
	if l == c.NLayers-1 {
		if !s.r.pl.qAll {
			nq = 1
		}
		nt = s.r.nt()
	}
	resid = s.attention(pre, resid, nq, nt)
	if hasMLP(c) {
		resid = s.mlp(pre, resid, nt)
	}
	s.hook(resid, pre+"hook_resid_post", 1, nt, c.DModel, s.nodeBuf(resid))
	return resid
}

// attention adds a block's (LayerNorm and) attention with queries at nq
// rows per sequence and returns the residual after it at nt rows.
func (s *gBuild[T]) attention(pre string, resid *G.Node, nq, nt int) *G.Node {
	b, c, P, B, n := s.b, s.r.c, s.P, s.B, s.r.n
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	R := B * n
	s.hook(resid, pre+"hook_resid_pre", 1, n, d, s.nodeBuf(resid))
	x := resid
	if hasLN(c) {
		x = b.layerNorm(pre+"ln1", resid, P[pre+"ln1.w"], P[pre+"ln1.b"], R, d)
		s.hook(x, pre+"ln1.hook_scale", 1, n, 1, s.slotBuf(pre+"ln1.scale", R))
		s.hook(x, pre+"ln1.hook_normalized", 1, n, d, s.nodeBuf(x))
	}
	wkv := b.packHeads(pre+"attn.W_KV", h, d, dh, false, P[pre+"attn.W_K"], P[pre+"attn.W_V"])
	bkv := b.packHeads(pre+"attn.b_KV", h, 1, dh, true, P[pre+"attn.b_K"], P[pre+"attn.b_V"])
	kv := b.linear(pre+"attn.kv", x, wkv, bkv, R, d, 2*hd)
	kvBuf := func() []T { return out[T](kv) }
	s.hook(kv, pre+"attn.hook_k", 1, s.keptRows(pre+"attn.hook_k"), hd, s.copyRows(pre+"attn.hook_k", kvBuf, 2*hd, 0, hd))
	s.hook(kv, pre+"attn.hook_v", 1, s.keptRows(pre+"attn.hook_v"), hd, s.copyRows(pre+"attn.hook_v", kvBuf, 2*hd, hd, hd))
	qIn := x
	if nq != n {
		qIn = b.gatherLast(pre+"attn.q_in", x, B, n, d)
	}
	wq := b.packHeads(pre+"attn.W_Qp", h, d, dh, false, P[pre+"attn.W_Q"])
	q := b.linear(pre+"attn.q", qIn, wq, P[pre+"attn.b_Q"], B*nq, d, hd)
	s.hook(q, pre+"attn.hook_q", 1, nq, hd, s.nodeBuf(q))
	_, keepScores := s.r.pl.hooks[pre+"attn.hook_attn_scores"]
	keepScores = keepScores && !s.train
	z := b.attention(pre+"attn", q, kv, attnShape{B, n, h, dh, nq}, keepScores)
	np := B * h * nq * n
	s.hook(z, pre+"attn.hook_attn_scores", h, nq, n, s.slotBuf(pre+"attn.scores", np))
	s.hook(z, pre+"attn.hook_pattern", h, nq, n, s.slotBuf(pre+"attn.pattern", np))
	s.hook(z, pre+"attn.hook_z", 1, nq, hd, s.nodeBuf(z))
	zt, residT := z, resid
	if nt != nq {
		zt = b.gatherLast(pre+"attn.z_t", z, B, n, hd)
	}
	if nt != n {
		residT = b.gatherLast(pre+"resid_t", resid, B, n, d)
	}
	rt := B * nt
	attnOut := b.linear(pre+"attn.out", zt, P[pre+"attn.W_O"], P[pre+"attn.b_O"], rt, hd, d)
	s.hook(attnOut, pre+"hook_attn_out", 1, nt, d, s.nodeBuf(attnOut))
	return b.add(pre+"resid_mid", residT, attnOut, rt, d)
}

// mlp adds a block's (LayerNorm and) MLP on mid, at nt rows per sequence,
// and returns the residual after it.
func (s *gBuild[T]) mlp(pre string, mid *G.Node, nt int) *G.Node {
	b, c, P := s.b, s.r.c, s.P
	d, rt := c.DModel, s.B*nt
	s.hook(mid, pre+"hook_resid_mid", 1, nt, d, s.nodeBuf(mid))
	x := mid
	if hasLN(c) {
		x = b.layerNorm(pre+"ln2", mid, P[pre+"ln2.w"], P[pre+"ln2.b"], rt, d)
		s.hook(x, pre+"ln2.hook_scale", 1, nt, 1, s.slotBuf(pre+"ln2.scale", rt))
		s.hook(x, pre+"ln2.hook_normalized", 1, nt, d, s.nodeBuf(x))
	}
	preAct := b.linear(pre+"mlp.in", x, P[pre+"mlp.W_in"], P[pre+"mlp.b_in"], rt, d, c.DMLP)
	s.hook(preAct, pre+"mlp.hook_pre", 1, nt, c.DMLP, s.nodeBuf(preAct))
	post := b.activation(pre+"mlp.act", c.ActFn, preAct, rt, c.DMLP)
	s.hook(post, pre+"mlp.hook_post", 1, nt, c.DMLP, s.nodeBuf(post))
	mlpOut := b.linear(pre+"mlp.out", post, P[pre+"mlp.W_out"], P[pre+"mlp.b_out"], rt, c.DMLP, d)
	s.hook(mlpOut, pre+"hook_mlp_out", 1, nt, d, s.nodeBuf(mlpOut))
	return b.add(pre+"resid_post", mid, mlpOut, rt, d)
}

// unembed adds the final LayerNorm (if any) and the unembedding at the
// tail's rows, and returns the logits node.
func (s *gBuild[T]) unembed(resid *G.Node) *G.Node {
	c, P := s.r.c, s.P
	d, nt := c.DModel, s.r.nt()
	rt := s.B * nt
	x := resid
	if hasLN(c) {
		x = s.b.layerNorm("ln_final", resid, P["ln_final.w"], P["ln_final.b"], rt, d)
		s.hook(x, "ln_final.hook_scale", 1, nt, 1, s.slotBuf("ln_final.scale", rt))
		s.hook(x, "ln_final.hook_normalized", 1, nt, d, s.nodeBuf(x))
	}
	return s.b.linear("unembed", x, P["unembed.W_U"], P["unembed.b_U"], rt, d, c.DVocabOut)
}

// attachHooks makes each node's op emit its hooks once its kernel has run,
// while the data is in cache, to the current forward call's emitter.
func (s *gBuild[T]) attachHooks() {
	gr := s.gr
	for _, at := range s.order {
		hs := s.hooksAt[at]
		at.Op().(*kernelOp[T]).after = func() {
			if gr.emit == nil {
				return
			}
			for _, hk := range hs {
				emitAs(gr.emit, hk.name, hk.buf(gr.curTok), gr.curB, hk.g, hk.r, hk.w)
			}
		}
	}
}

// lossAndGradients adds the label node, the cross-entropy and, by
// gorgonia.Grad, a gradient node per trainable parameter.
func (s *gBuild[T]) lossAndGradients(skip map[string]bool) {
	gr, c := s.gr, s.r.c
	rt := s.B * s.r.nt()
	gr.lab = G.NewTensor(s.b.g, tensor.Int64, 1, G.WithShape(rt), G.WithName("labels"))
	loss := s.b.crossEntropy(gr.logits, gr.lab, rt, c.DVocabOut, &gr.loss)
	var wrt G.Nodes
	var idx []int
	for i, sp := range s.r.specs {
		if !skip[sp.Name] {
			wrt, idx = append(wrt, s.P[sp.Name]), append(idx, i)
		}
	}
	gr.grads = make([]*G.Node, len(s.r.specs))
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
