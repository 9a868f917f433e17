package model

import (
	"fmt"

	"github.com/tdw-workbench/tdw/host/model/cuda"
)

// backward adds to r.grads the gradient of the loss whose logit gradient
// crossEntropy left in g.dLogits, for the B sequences forward just ran, as
// net.backward does. Tensors in skip get no gradient where skipping saves
// work; their entries are left unspecified.
func (r *cudaRunner) backward(B int, skip map[string]bool) {
	c, n, g := r.c, r.n, &r.g
	d := c.DModel
	rt := B * r.nt()
	dA, dB := g.dResid, g.dResidT // ping-pong: d resid_post in, d resid_pre out
	x := r.L[len(r.L)-1].residP
	if hasLN(c) {
		x = r.lnf.out
	}
	r.linearBackward(x, rt, d, r.param("unembed.W_U"), c.DVocabOut, g.dLogits, r.grad("unembed.W_U", skip), r.grad("unembed.b_U", skip), dA, false)
	if hasLN(c) {
		must(r.s.CopyDevice(g.dLn, dA, 4*rt*d))
		r.layerNormBackward(g.dLn, rt, r.param("ln_final.w"), r.lnf.scale, r.lnf.hat, r.grad("ln_final.w", skip), r.grad("ln_final.b", skip), dA, false)
	}
	for l := len(r.L) - 1; l >= 0; l-- {
		r.backwardBlock(l, B, dA, dB, skip)
		dA, dB = dB, dA
	}
	// dA now holds d resid_pre of block 0 = d(W_E[tok] + W_pos).
	if dWE := r.grad("embed.W_E", skip); dWE != 0 && r.segChunks > 0 {
		ws := r.workspace(r.segChunks * d)
		r.launch(cuda.SegmentPartial, r.segChunks*d, cudaBlock, r.segChunks, d, dA, r.segIdx, r.segCS, ws)
		r.launch(cuda.SegmentFinish, c.DVocab*d, cudaBlock, c.DVocab, d, ws, r.segChOff, dWE)
	}
	// d W_pos[i] = Σ_b dA[b*n + i]: the column sums of dA seen as [B, n*d].
	if dWpos := r.grad("pos_embed.W_pos", skip); dWpos != 0 {
		r.colSum(dA, 0, B, n*d, dWpos)
	}
}

// backwardBlock takes d resid_post of block l in dA and leaves d resid_pre
// in dB.
func (r *cudaRunner) backwardBlock(l, B int, dA, dB cuda.Ptr, skip map[string]bool) {
	c, n, g := r.c, r.n, &r.g
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	L := &r.L[l]
	pre := fmt.Sprintf("blocks.%d.", l)
	gp := func(name string) cuda.Ptr { return r.grad(pre+name, skip) }
	rt := B * L.nt
	dMid := dA
	if hasMLP(c) {
		r.backwardMLP(l, B, dA, skip)
		dMid = g.dMid
	}
	r.linearBackward(L.zt, rt, hd, r.param(pre+"attn.W_O"), d, dMid, gp("attn.W_O"), gp("attn.b_O"), g.dzt, false)
	dz := g.dzt
	if L.nt != L.nq {
		dz = g.dz
		must(r.s.Fill32(dz, 0, B*n*hd))
		r.scatterLastAdd(g.dzt, B, n, hd, dz)
	}
	r.launch(cuda.AttentionBackward, B*h, cudaRowBlock, B, n, h, dh, L.nq, L.q, L.kv, L.pattern, dz, g.dq, g.dkv)
	must(r.s.Fill32(g.dwq, 0, d*hd))
	must(r.s.Fill32(g.dwkv, 0, d*2*hd))
	// The packed bias gradients land directly in the flat gradient: b_Q,
	// b_K and b_V follow each other there as bq and bkv are packed.
	var dbq, dbkv cuda.Ptr
	if !skip[pre+"attn.b_Q"] {
		dbq = r.grad(pre+"attn.b_Q", nil)
	}
	if !skip[pre+"attn.b_K"] || !skip[pre+"attn.b_V"] {
		dbkv = r.grad(pre+"attn.b_K", nil)
	}
	x := L.resid
	if hasLN(c) {
		x = L.ln1Out
	}
	r.linearBackward(x, B*n, d, L.wkv, 2*hd, g.dkv, g.dwkv, dbkv, g.dLn1, false)
	if L.nq == n {
		r.linearBackward(x, B*n, d, L.wq, hd, g.dq, g.dwq, dbq, g.dLn1, true)
	} else {
		r.linearBackward(L.qIn, B, d, L.wq, hd, g.dq, g.dwq, dbq, g.dqIn, false)
		r.scatterLastAdd(g.dqIn, B, n, d, g.dLn1)
	}
	if L.nt == n {
		must(r.s.CopyDevice(dB, dMid, 4*B*n*d))
	} else {
		must(r.s.Fill32(dB, 0, B*n*d))
		r.scatterLastAdd(dMid, B, n, d, dB)
	}
	if hasLN(c) {
		r.layerNormBackward(g.dLn1, B*n, r.param(pre+"ln1.w"), L.ln1Scale, L.ln1Hat, gp("ln1.w"), gp("ln1.b"), dB, true)
	} else {
		r.add(dB, dB, g.dLn1, B*n*d)
	}
	r.unpackGrads(pre, skip)
}

// backwardMLP takes d resid_post of block l in dA and leaves d resid_mid in
// g.dMid.
func (r *cudaRunner) backwardMLP(l, B int, dA cuda.Ptr, skip map[string]bool) {
	c, g := r.c, &r.g
	d, dm := c.DModel, c.DMLP
	L := &r.L[l]
	pre := fmt.Sprintf("blocks.%d.", l)
	gp := func(name string) cuda.Ptr { return r.grad(pre+name, skip) }
	rt := B * L.nt
	r.linearBackward(L.post, rt, dm, r.param(pre+"mlp.W_out"), d, dA, gp("mlp.W_out"), gp("mlp.b_out"), g.dPost, false)
	r.launch(cuda.ActivationBackward, rt*dm, cudaBlock, actCode(c.ActFn), rt*dm, L.pre, g.dPost, g.dPre)
	xin := L.residMid
	if hasLN(c) {
		xin = L.ln2Out
	}
	r.linearBackward(xin, rt, d, r.param(pre+"mlp.W_in"), dm, g.dPre, gp("mlp.W_in"), gp("mlp.b_in"), g.dLn, false)
	if hasLN(c) {
		must(r.s.CopyDevice(g.dMid, dA, 4*rt*d))
		r.layerNormBackward(g.dLn, rt, r.param(pre+"ln2.w"), L.ln2Scale, L.ln2Hat, gp("ln2.w"), gp("ln2.b"), g.dMid, true)
	} else {
		r.add(g.dMid, dA, g.dLn, rt*d)
	}
}

// layerNormBackward writes dx (adds with accum) and adds dw = Σ dy·hat and
// db = Σ dy (0: skipped), as layernorm.go.
func (r *cudaRunner) layerNormBackward(dy cuda.Ptr, rows int, w, scale, hat, dw, db, dx cuda.Ptr, accum bool) {
	d := r.c.DModel
	acc := 0
	if accum {
		acc = 1
	}
	r.launch(cuda.LayerNormBackwardDx, rows, cudaRowBlock, rows, d, dy, w, scale, hat, dx, acc)
	if dw != 0 {
		r.colSum(dy, hat, rows, d, dw)
	}
	if db != 0 {
		r.colSum(dy, 0, rows, d, db)
	}
}

// unpackGrads adds the packed projection gradients of a block into the
// flat gradient under the TransformerLens layouts (net.unpackGrads).
func (r *cudaRunner) unpackGrads(pre string, skip map[string]bool) {
	c, g := r.c, &r.g
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	for _, m := range []struct {
		name   string
		src    cuda.Ptr
		ld, co int
	}{{"attn.W_Q", g.dwq, hd, 0}, {"attn.W_K", g.dwkv, 2 * hd, 0}, {"attn.W_V", g.dwkv, 2 * hd, hd}} {
		if dst := r.grad(pre+m.name, skip); dst != 0 {
			r.launch(cuda.UnpackHeadsAdd, h*d*dh, cudaBlock, h, d, dh, m.src, m.ld, m.co, dst)
		}
	}
}
