package model

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// plan says what one pass computes. Layers before the last always run at
// every position (their keys and values feed later layers); the last layer's
// queries (qAll) and everything after its attention (tailAll) run at every
// position only when someone keeps them there.
type plan struct {
	hooks      map[string]Positions
	wantLogits bool
	logits     Positions
	qAll       bool
	tailAll    bool
}

// newPlan derives the compute plan from the kept hooks and the positions at
// which logits (or the loss) are needed.
func newPlan(c sdk.ModelConfig, hooks map[string]Positions, wantLogits bool, logits Positions) plan {
	p := plan{hooks: hooks, wantLogits: wantLogits, logits: logits}
	if IsMLP(c) { // one row per pair: nothing runs at other positions
		p.logits = PosLast
		return p
	}
	p.tailAll = wantLogits && logits.Select == AllPositions
	last := fmt.Sprintf("blocks.%d.", c.NLayers-1)
	for name, pos := range hooks {
		if pos.Select != AllPositions {
			continue
		}
		switch {
		case name == last+"attn.hook_q" || name == last+"attn.hook_attn_scores" ||
			name == last+"attn.hook_pattern" || name == last+"attn.hook_z":
			p.qAll = true
		case name == last+"hook_resid_pre" || name == last+"attn.hook_k" || name == last+"attn.hook_v" ||
			strings.HasPrefix(name, last+"ln1."):
		case strings.HasPrefix(name, last), strings.HasPrefix(name, "ln_final."):
			p.tailAll = true
		}
	}
	p.qAll = p.qAll || p.tailAll
	return p
}

// layerW holds one block's weights: views into Params plus the packed
// projection matrices that make all heads one GEMM.
type layerW[T Float] struct {
	ln1w, ln1b, ln2w, ln2b []T
	wq, bq                 []T // packed [d, h*dh], [h*dh]
	wkv, bkv               []T // packed [d, 2*h*dh], [2*h*dh]: K then V
	wo, bo                 []T // W_O viewed as [h*dh, d]
	win, bin, wout, bout   []T
}

// layerBuf holds one block's activations for B sequences. Row counts per
// sequence: n for resid/ln1/kv, nq for queries, nt for the tail.
type layerBuf[T Float] struct {
	nq, nt                    int
	resid                     []T // resid_pre [B*n, d]
	ln1Scale, ln1Hat, ln1Out  []T
	qIn                       []T // attention input at the query rows
	q, kv                     []T
	scores, pattern, z, zt    []T
	residT                    []T // resid_pre at the tail rows
	attnOut, residMid         []T
	ln2Scale, ln2Hat, ln2Out  []T
	pre, post, mlpOut, residP []T
}

// net is the generic CPU engine for one configuration and one plan, with
// activation buffers for up to maxB sequences of n positions, reused from
// call to call.
type net[T Float] struct {
	c      sdk.ModelConfig
	n      int
	maxB   int
	pl     plan
	w      []layerW[T]
	L      []layerBuf[T]
	lnf    struct{ scale, hat, out []T }
	logits []T
	tmp    []T
	// backward scratch
	g struct {
		dResid, dResidT, dMid, dLn, dPre, dPost, dzt, dz, dq, dkv, dLn1, dqIn, dLogits []T
		dwq, dbq, dwkv, dbkv                                                           []T
	}
}

func (e *net[T]) nt() int {
	if e.pl.tailAll {
		return e.n
	}
	return 1
}

func newNet[T Float](c sdk.ModelConfig, n, maxB int, pl plan, train bool) *net[T] {
	e := &net[T]{c: c, n: n, maxB: maxB, pl: pl}
	d, hd, B := c.DModel, c.NHeads*c.DHead, maxB
	e.w = make([]layerW[T], c.NLayers)
	e.L = make([]layerBuf[T], c.NLayers)
	for l := range e.L {
		w := &e.w[l]
		w.wq, w.bq = make([]T, d*hd), make([]T, hd)
		w.wkv, w.bkv = make([]T, d*2*hd), make([]T, 2*hd)
		b := &e.L[l]
		b.nq, b.nt = n, n
		if l == c.NLayers-1 {
			if !pl.qAll {
				b.nq = 1
			}
			b.nt = e.nt()
		}
		if l == 0 {
			b.resid = make([]T, B*n*d)
		} else {
			b.resid = e.L[l-1].residP
		}
		if hasLN(c) {
			b.ln1Scale, b.ln1Hat, b.ln1Out = make([]T, B*n), make([]T, B*n*d), make([]T, B*n*d)
		}
		if b.nq != n {
			b.qIn = make([]T, B*b.nq*d)
		}
		b.q, b.kv = make([]T, B*b.nq*hd), make([]T, B*n*2*hd)
		b.pattern, b.z = make([]T, B*c.NHeads*b.nq*n), make([]T, B*b.nq*hd)
		b.scores = make([]T, B*c.NHeads*b.nq*n)
		if b.nt != b.nq {
			b.zt = make([]T, B*b.nt*hd)
		} else {
			b.zt = b.z
		}
		if b.nt != n {
			b.residT = make([]T, B*b.nt*d)
		} else {
			b.residT = b.resid
		}
		rt := B * b.nt
		b.attnOut, b.residMid = make([]T, rt*d), make([]T, rt*d)
		if hasMLP(c) {
			if hasLN(c) {
				b.ln2Scale, b.ln2Hat, b.ln2Out = make([]T, rt), make([]T, rt*d), make([]T, rt*d)
			}
			b.pre, b.post, b.mlpOut, b.residP = make([]T, rt*c.DMLP), make([]T, rt*c.DMLP), make([]T, rt*d), make([]T, rt*d)
		} else {
			b.residP = b.residMid
		}
	}
	rt := B * e.nt()
	if hasLN(c) {
		e.lnf.scale, e.lnf.hat, e.lnf.out = make([]T, rt), make([]T, rt*d), make([]T, rt*d)
	}
	e.logits = make([]T, rt*c.DVocabOut)
	e.tmp = make([]T, B*n*d)
	if train {
		g := &e.g
		g.dLogits = make([]T, rt*c.DVocabOut)
		g.dResid, g.dResidT, g.dMid = make([]T, B*n*d), make([]T, B*n*d), make([]T, B*n*d)
		g.dLn, g.dLn1, g.dqIn = make([]T, B*n*d), make([]T, B*n*d), make([]T, B*n*d)
		if hasMLP(c) {
			g.dPre, g.dPost = make([]T, B*n*c.DMLP), make([]T, B*n*c.DMLP)
		}
		g.dzt, g.dz, g.dq, g.dkv = make([]T, B*n*hd), make([]T, B*n*hd), make([]T, B*n*hd), make([]T, B*n*2*hd)
		g.dwq, g.dbq, g.dwkv, g.dbkv = make([]T, d*hd), make([]T, hd), make([]T, d*2*hd), make([]T, 2*hd)
	}
	return e
}

// pack refreshes the per-layer weight views and packed projections from p.
func (e *net[T]) pack(p *Params[T]) {
	c := e.c
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	for l := range e.w {
		w := &e.w[l]
		pre := fmt.Sprintf("blocks.%d.", l)
		WQ, WK, WV := p.Get(pre+"attn.W_Q"), p.Get(pre+"attn.W_K"), p.Get(pre+"attn.W_V")
		for hh := 0; hh < h; hh++ {
			for i := 0; i < d; i++ {
				src := (hh*d + i) * dh
				copy(w.wq[i*hd+hh*dh:][:dh], WQ[src:src+dh])
				copy(w.wkv[i*2*hd+hh*dh:][:dh], WK[src:src+dh])
				copy(w.wkv[i*2*hd+hd+hh*dh:][:dh], WV[src:src+dh])
			}
		}
		copy(w.bq, p.Get(pre+"attn.b_Q"))
		copy(w.bkv[:hd], p.Get(pre+"attn.b_K"))
		copy(w.bkv[hd:], p.Get(pre+"attn.b_V"))
		w.wo, w.bo = p.Get(pre+"attn.W_O"), p.Get(pre+"attn.b_O")
		if hasLN(c) {
			w.ln1w, w.ln1b = p.Get(pre+"ln1.w"), p.Get(pre+"ln1.b")
		}
		if hasMLP(c) {
			if hasLN(c) {
				w.ln2w, w.ln2b = p.Get(pre+"ln2.w"), p.Get(pre+"ln2.b")
			}
			w.win, w.bin = p.Get(pre+"mlp.W_in"), p.Get(pre+"mlp.b_in")
			w.wout, w.bout = p.Get(pre+"mlp.W_out"), p.Get(pre+"mlp.b_out")
		}
	}
}

// emitter receives a computed buffer holding B sequences × g groups × r rows
// of width w; it keeps what was requested.
type emitter[T Float] func(name string, buf []T, B, g, r, w int)

// forward runs B sequences of e.n tokens (validated by the caller) through the
// model with weights p (packed by e.pack). emit may be nil.
func (e *net[T]) forward(p *Params[T], tok []int64, B int, emit emitter[T]) {
	c, n := e.c, e.n
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	want := func(name string) bool { _, ok := e.pl.hooks[name]; return ok && emit != nil }
	out := func(name string, buf []T, g, r, w int) {
		if want(name) {
			emit(name, buf, B, g, r, w)
		}
	}
	WE, Wpos := p.Get("embed.W_E"), p.Get("pos_embed.W_pos")
	r0 := e.L[0].resid
	for b := 0; b < B; b++ {
		for i := 0; i < n; i++ {
			row := r0[(b*n+i)*d:][:d]
			te, pe := WE[int(tok[b*n+i])*d:][:d], Wpos[i*d:][:d]
			for j := range row {
				row[j] = te[j] + pe[j]
			}
		}
	}
	// Hooks that are not a compute buffer are assembled in tmp, at the kept
	// rows only: r = n, or 1 (the last position) when kept at PosLast.
	keptRows := func(name string) int {
		if e.pl.hooks[name].Select == LastPosition {
			return 1
		}
		return n
	}
	if want("hook_embed") {
		r := keptRows("hook_embed")
		for b := 0; b < B; b++ {
			for i := n - r; i < n; i++ {
				copy(e.tmp[(b*r+i-(n-r))*d:][:d], WE[int(tok[b*n+i])*d:][:d])
			}
		}
		out("hook_embed", e.tmp, 1, r, d)
	}
	if want("hook_pos_embed") {
		r := keptRows("hook_pos_embed")
		for b := 0; b < B; b++ {
			copy(e.tmp[b*r*d:(b+1)*r*d], Wpos[(n-r)*d:n*d])
		}
		out("hook_pos_embed", e.tmp, 1, r, d)
	}
	for l := range e.L {
		w, L := &e.w[l], &e.L[l]
		pre := fmt.Sprintf("blocks.%d.", l)
		rows := B * n
		out(pre+"hook_resid_pre", L.resid, 1, n, d)
		x := L.resid
		if hasLN(c) {
			layerNormForward(L.resid, rows, d, w.ln1w, w.ln1b, L.ln1Scale, L.ln1Hat, L.ln1Out)
			out(pre+"ln1.hook_scale", L.ln1Scale, 1, n, 1)
			out(pre+"ln1.hook_normalized", L.ln1Out, 1, n, d)
			x = L.ln1Out
		}
		linearForward(x, rows, d, w.wkv, 2*hd, w.bkv, L.kv)
		qIn := x
		if L.nq != n {
			gatherLast(x, B, n, d, L.qIn)
			qIn = L.qIn
		}
		linearForward(qIn, B*L.nq, d, w.wq, hd, w.bq, L.q)
		if want(pre + "attn.hook_q") {
			out(pre+"attn.hook_q", L.q, 1, L.nq, hd)
		}
		for ci, name := range [2]string{pre + "attn.hook_k", pre + "attn.hook_v"} {
			if !want(name) {
				continue
			}
			r := keptRows(name)
			for b := 0; b < B; b++ {
				for i := n - r; i < n; i++ {
					copy(e.tmp[(b*r+i-(n-r))*hd:][:hd], L.kv[(b*n+i)*2*hd+ci*hd:][:hd])
				}
			}
			out(name, e.tmp, 1, r, hd)
		}
		var scores []T
		if want(pre + "attn.hook_attn_scores") {
			scores = L.scores
		}
		attentionForward(attnShape{B, n, h, dh, L.nq}, L.q, L.kv, scores, L.pattern, L.z)
		out(pre+"attn.hook_attn_scores", L.scores, h, L.nq, n)
		out(pre+"attn.hook_pattern", L.pattern, h, L.nq, n)
		out(pre+"attn.hook_z", L.z, 1, L.nq, hd)
		if L.nt != L.nq {
			gatherLast(L.z, B, n, hd, L.zt)
		}
		if L.nt != n {
			gatherLast(L.resid, B, n, d, L.residT)
		}
		rt := B * L.nt
		linearForward(L.zt, rt, hd, w.wo, d, w.bo, L.attnOut)
		out(pre+"hook_attn_out", L.attnOut, 1, L.nt, d)
		addInto(L.residMid[:rt*d], L.residT[:rt*d], L.attnOut[:rt*d], d)
		if hasMLP(c) {
			out(pre+"hook_resid_mid", L.residMid, 1, L.nt, d)
			x := L.residMid
			if hasLN(c) {
				layerNormForward(L.residMid, rt, d, w.ln2w, w.ln2b, L.ln2Scale, L.ln2Hat, L.ln2Out)
				out(pre+"ln2.hook_scale", L.ln2Scale, 1, L.nt, 1)
				out(pre+"ln2.hook_normalized", L.ln2Out, 1, L.nt, d)
				x = L.ln2Out
			}
			linearForward(x, rt, d, w.win, c.DMLP, w.bin, L.pre)
			out(pre+"mlp.hook_pre", L.pre, 1, L.nt, c.DMLP)
			activationForward(c.ActFn, L.pre[:rt*c.DMLP], L.post[:rt*c.DMLP], c.DMLP)
			out(pre+"mlp.hook_post", L.post, 1, L.nt, c.DMLP)
			linearForward(L.post, rt, c.DMLP, w.wout, d, w.bout, L.mlpOut)
			out(pre+"hook_mlp_out", L.mlpOut, 1, L.nt, d)
			addInto(L.residP[:rt*d], L.residMid[:rt*d], L.mlpOut[:rt*d], d)
		}
		out(pre+"hook_resid_post", L.residP, 1, L.nt, d)
	}
	if !e.pl.wantLogits {
		return
	}
	nt := e.nt()
	rt := B * nt
	x := e.L[len(e.L)-1].residP
	if hasLN(c) {
		layerNormForward(x, rt, d, p.Get("ln_final.w"), p.Get("ln_final.b"), e.lnf.scale, e.lnf.hat, e.lnf.out)
		out("ln_final.hook_scale", e.lnf.scale, 1, nt, 1)
		out("ln_final.hook_normalized", e.lnf.out, 1, nt, d)
		x = e.lnf.out
	}
	linearForward(x, rt, d, p.Get("unembed.W_U"), c.DVocabOut, p.Get("unembed.b_U"), e.logits)
}
