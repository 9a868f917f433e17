package model

import (
	"fmt"

	"github.com/tdw-workbench/tdw/host/model/cuda"
)

// forward runs B sequences of the device's tokens through the model with
// the device's (packed) parameters, as net.forward does, handing kept hooks
// to emit (nil: none).
func (r *cudaRunner) forward(B int, emit Emitter) {
	c, n := r.c, r.n
	d := c.DModel
	h := &cudaHooks{r: r, B: B, emit: emit}
	WE, Wpos := r.param("embed.W_E"), r.param("pos_embed.W_pos")
	r.launch(cuda.EmbedRows, B*n*d, cudaBlock, B, n, n, d, WE, Wpos, r.tok, cuda.EmbedSum, r.L[0].resid)
	for _, e := range []struct {
		name string
		mode int
	}{{"hook_embed", cuda.EmbedToken}, {"hook_pos_embed", cuda.EmbedPos}} {
		if h.want(e.name) {
			rr := h.keptRows(e.name)
			tmp := h.tmp(B * rr * d)
			r.launch(cuda.EmbedRows, B*rr*d, cudaBlock, B, n, rr, d, WE, Wpos, r.tok, e.mode, tmp)
			h.out(e.name, tmp, 1, rr, d)
		}
	}
	for l := range r.L {
		r.forwardBlock(l, B, h)
	}
	nt := r.nt()
	rt := B * nt
	x := r.L[len(r.L)-1].residP
	if hasLN(c) {
		r.launch(cuda.LayerNormForward, rt, cudaRowBlock, rt, d, x, r.param("ln_final.w"), r.param("ln_final.b"), r.lnf.scale, r.lnf.hat, r.lnf.out)
		h.out("ln_final.hook_scale", r.lnf.scale, 1, nt, 1)
		h.out("ln_final.hook_normalized", r.lnf.out, 1, nt, d)
		x = r.lnf.out
	}
	r.linearForward(x, rt, d, r.param("unembed.W_U"), c.DVocabOut, r.param("unembed.b_U"), r.logits)
}

// forwardBlock runs block l: attention, then the MLP.
func (r *cudaRunner) forwardBlock(l, B int, h *cudaHooks) {
	c, n := r.c, r.n
	d, hh, dh := c.DModel, c.NHeads, c.DHead
	hd := hh * dh
	L := &r.L[l]
	pre := fmt.Sprintf("blocks.%d.", l)
	rows := B * n
	h.out(pre+"hook_resid_pre", L.resid, 1, n, d)
	x := L.resid
	if hasLN(c) {
		r.launch(cuda.LayerNormForward, rows, cudaRowBlock, rows, d, L.resid, r.param(pre+"ln1.w"), r.param(pre+"ln1.b"), L.ln1Scale, L.ln1Hat, L.ln1Out)
		h.out(pre+"ln1.hook_scale", L.ln1Scale, 1, n, 1)
		h.out(pre+"ln1.hook_normalized", L.ln1Out, 1, n, d)
		x = L.ln1Out
	}
	r.linearForward(x, rows, d, L.wkv, 2*hd, L.bkv, L.kv)
	qIn := x
	if L.nq != n {
		r.copyRows(x, B, n, 1, d, d, 0, L.qIn)
		qIn = L.qIn
	}
	r.linearForward(qIn, B*L.nq, d, L.wq, hd, L.bq, L.q)
	h.out(pre+"attn.hook_q", L.q, 1, L.nq, hd)
	for ci, name := range [2]string{pre + "attn.hook_k", pre + "attn.hook_v"} {
		if h.want(name) {
			rr := h.keptRows(name)
			tmp := h.tmp(B * rr * hd)
			r.copyRows(L.kv, B, n, rr, hd, 2*hd, ci*hd, tmp)
			h.out(name, tmp, 1, rr, hd)
		}
	}
	var scores cuda.Ptr
	if h.want(pre + "attn.hook_attn_scores") {
		scores = L.scores
	}
	r.launch(cuda.AttentionForward, B*hh*L.nq, cudaRowBlock, B, n, hh, dh, L.nq, L.q, L.kv, scores, L.pattern, L.z)
	h.out(pre+"attn.hook_attn_scores", L.scores, hh, L.nq, n)
	h.out(pre+"attn.hook_pattern", L.pattern, hh, L.nq, n)
	h.out(pre+"attn.hook_z", L.z, 1, L.nq, hd)
	if L.nt != L.nq {
		r.copyRows(L.z, B, n, 1, hd, hd, 0, L.zt)
	}
	if L.nt != n {
		r.copyRows(L.resid, B, n, 1, d, d, 0, L.residT)
	}
	rt := B * L.nt
	r.linearForward(L.zt, rt, hd, r.param(pre+"attn.W_O"), d, r.param(pre+"attn.b_O"), L.attnOut)
	h.out(pre+"hook_attn_out", L.attnOut, 1, L.nt, d)
	r.add(L.residMid, L.residT, L.attnOut, rt*d)
	if hasMLP(c) {
		r.forwardMLP(l, B, h)
	}
	h.out(pre+"hook_resid_post", L.residP, 1, L.nt, d)
}

// forwardMLP runs block l's MLP at its tail rows.
func (r *cudaRunner) forwardMLP(l, B int, h *cudaHooks) {
	c := r.c
	d, dm := c.DModel, c.DMLP
	L := &r.L[l]
	pre := fmt.Sprintf("blocks.%d.", l)
	rt := B * L.nt
	h.out(pre+"hook_resid_mid", L.residMid, 1, L.nt, d)
	x := L.residMid
	if hasLN(c) {
		r.launch(cuda.LayerNormForward, rt, cudaRowBlock, rt, d, L.residMid, r.param(pre+"ln2.w"), r.param(pre+"ln2.b"), L.ln2Scale, L.ln2Hat, L.ln2Out)
		h.out(pre+"ln2.hook_scale", L.ln2Scale, 1, L.nt, 1)
		h.out(pre+"ln2.hook_normalized", L.ln2Out, 1, L.nt, d)
		x = L.ln2Out
	}
	r.linearForward(x, rt, d, r.param(pre+"mlp.W_in"), dm, r.param(pre+"mlp.b_in"), L.pre)
	h.out(pre+"mlp.hook_pre", L.pre, 1, L.nt, dm)
	r.launch(cuda.ActivationForward, rt*dm, cudaBlock, actCode(c.ActFn), rt*dm, L.pre, L.post)
	h.out(pre+"mlp.hook_post", L.post, 1, L.nt, dm)
	r.linearForward(L.post, rt, dm, r.param(pre+"mlp.W_out"), d, r.param(pre+"mlp.b_out"), L.mlpOut)
	h.out(pre+"hook_mlp_out", L.mlpOut, 1, L.nt, d)
	r.add(L.residP, L.residMid, L.mlpOut, rt*d)
}

// cudaHooks hands the kept hooks of one forward pass to the emitter: a hook
// kept at the last position is cut to that row on the device first, so only
// what is kept crosses to the host.
type cudaHooks struct {
	r    *cudaRunner
	B    int
	emit Emitter
}

func (h *cudaHooks) want(name string) bool {
	if h.emit == nil {
		return false
	}
	_, ok := h.r.pl.hooks[name]
	return ok
}

// keptRows is the rows per sequence a hook assembled for emission needs:
// 1 when kept at the last position, else n.
func (h *cudaHooks) keptRows(name string) int {
	if h.r.pl.hooks[name].Select == LastPosition {
		return 1
	}
	return h.r.n
}

// tmp returns device scratch for floats, for hooks that are not a compute
// buffer.
func (h *cudaHooks) tmp(floats int) cuda.Ptr {
	res := h.r.res
	if res.tmpN < floats {
		r := h.r
		must(r.s.Sync())
		must(r.dev.Free(res.tmp))
		size := max(floats, r.hookScratch())
		p, err := r.dev.Alloc(4 * size)
		must(err)
		res.tmp, res.tmpN = p, size
	}
	return res.tmp
}

// hookScratch is the largest hook of a pass over maxB sequences, in floats.
func (r *cudaRunner) hookScratch() int {
	c, n := r.c, r.n
	per := max(n*c.DModel, n*c.NHeads*c.DHead, c.NHeads*n*n, n*c.DMLP, n)
	return r.maxB * per
}

// out emits buf (B sequences × g groups × rr rows of w floats) if it is
// kept: a hook kept at the last position and computed at every position is
// gathered to its last rows first.
func (h *cudaHooks) out(name string, buf cuda.Ptr, g, rr, w int) {
	if !h.want(name) {
		return
	}
	r := h.r
	if rr > 1 && h.r.pl.hooks[name].Select == LastPosition {
		tmp := h.tmp(h.B * g * w)
		if tmp != buf {
			r.copyRows(buf, h.B*g, rr, 1, w, w, 0, tmp)
			buf, rr = tmp, 1
		}
	}
	k := h.B * g * rr * w
	if cap(r.stage) < k {
		r.stage = make([]float32, max(k, r.hookScratch()))
	}
	stage := r.stage[:k]
	must(cuda.CopyOut(r.s, stage, buf))
	must(r.s.Sync())
	h.emit(name, stage, h.B, g, rr, w)
}
