package model

import (
	"fmt"
	"math"
)

// lossAndGrad computes the mean cross-entropy of e.logits (B·nt rows) against
// labels, with log-softmax in float64, and writes its gradient with respect to
// the logits into e.g.dLogits. It returns the summed (not mean) loss so that
// callers can average over several batches; norm is the row count of the mean.
func (e *net[T]) lossAndGrad(labels []int64, rows int, norm int) float64 {
	return crossEntropyGrad(e.logits, e.g.dLogits, labels, rows, e.c.DVocabOut, norm)
}

// crossEntropyGrad computes Σ cross-entropy of logits (rows × V) against
// labels, log-softmax in float64, and writes its gradient divided by norm
// into dLogits.
func crossEntropyGrad[T Float](logits, dLogits []T, labels []int64, rows, V, norm int) float64 {
	losses := make([]float64, rows)
	parallelRows(rows, V, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x, g := logits[r*V:(r+1)*V], dLogits[r*V:(r+1)*V]
			lse := logSumExp(x)
			y := int(labels[r])
			losses[r] = lse - float64(x[y])
			for j, v := range x {
				g[j] = T(math.Exp(float64(v)-lse) / float64(norm))
			}
			g[y] -= T(1 / float64(norm))
		}
	})
	var s float64
	for _, l := range losses {
		s += l
	}
	return s
}

// logSumExp returns log Σ exp(x) in float64.
func logSumExp[T Float](x []T) float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s)
}

// backward accumulates into grads the gradient of the loss whose logit
// gradient lossAndGrad left in e.g.dLogits, for the B sequences of tok that
// forward just ran. Tensors named in skip (frozen) get no gradient where
// skipping saves work; their entries in grads are left unspecified.
func (e *net[T]) backward(p, grads *Params[T], tok []int64, B int, skip map[string]bool) {
	c, n, g := e.c, e.n, &e.g
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	gp := func(name string) []T {
		if skip[name] {
			return nil
		}
		return grads.Get(name)
	}
	nt := e.nt()
	rt := B * nt
	last := &e.L[len(e.L)-1]
	dA, dB := g.dResid, g.dResidT // ping-pong: d resid_post in, d resid_pre out
	x := last.residP
	if hasLN(c) {
		x = e.lnf.out
	}
	linearBackward(x, rt, d, p.Get("unembed.W_U"), c.DVocabOut, g.dLogits, gp("unembed.W_U"), gp("unembed.b_U"), dA, false)
	if hasLN(c) {
		copy(g.dLn[:rt*d], dA[:rt*d])
		layerNormBackward(g.dLn, rt, d, p.Get("ln_final.w"), e.lnf.scale, e.lnf.hat, gp("ln_final.w"), gp("ln_final.b"), dA, false)
	}
	for l := len(e.L) - 1; l >= 0; l-- {
		w, L := &e.w[l], &e.L[l]
		pre := fmt.Sprintf("blocks.%d.", l)
		rt := B * L.nt
		dMid := dA
		if hasMLP(c) {
			dm := c.DMLP
			linearBackward(L.post, rt, dm, w.wout, d, dA, gp(pre+"mlp.W_out"), gp(pre+"mlp.b_out"), g.dPost, false)
			activationBackward(c.ActFn, L.pre[:rt*dm], g.dPost[:rt*dm], g.dPre[:rt*dm], dm)
			xin := L.residMid
			if hasLN(c) {
				xin = L.ln2Out
			}
			linearBackward(xin, rt, d, w.win, dm, g.dPre, gp(pre+"mlp.W_in"), gp(pre+"mlp.b_in"), g.dLn, false)
			if hasLN(c) {
				copy(g.dMid[:rt*d], dA[:rt*d])
				layerNormBackward(g.dLn, rt, d, w.ln2w, L.ln2Scale, L.ln2Hat, gp(pre+"ln2.w"), gp(pre+"ln2.b"), g.dMid, true)
			} else {
				addInto(g.dMid[:rt*d], dA[:rt*d], g.dLn[:rt*d], d)
			}
			dMid = g.dMid
		}
		linearBackward(L.zt, rt, hd, w.wo, d, dMid, gp(pre+"attn.W_O"), gp(pre+"attn.b_O"), g.dzt, false)
		dz := g.dzt
		if L.nt != L.nq {
			dz = g.dz[:B*n*hd]
			clear(dz)
			scatterLastAdd(g.dzt, B, n, hd, dz)
		}
		attentionBackward(attnShape{B, n, h, dh, L.nq}, L.q, L.kv, L.pattern, dz, g.dq, g.dkv)
		clear(g.dwq)
		clear(g.dwkv)
		var dbq, dbkv []T
		if !skip[pre+"attn.b_Q"] {
			dbq = g.dbq
			clear(dbq)
		}
		if !skip[pre+"attn.b_K"] || !skip[pre+"attn.b_V"] {
			dbkv = g.dbkv
			clear(dbkv)
		}
		x := L.resid
		if hasLN(c) {
			x = L.ln1Out
		}
		linearBackward(x, B*n, d, w.wkv, 2*hd, g.dkv, g.dwkv, dbkv, g.dLn1, false)
		if L.nq == n {
			linearBackward(x, B*n, d, w.wq, hd, g.dq, g.dwq, dbq, g.dLn1, true)
		} else {
			linearBackward(L.qIn, B, d, w.wq, hd, g.dq, g.dwq, dbq, g.dqIn, false)
			scatterLastAdd(g.dqIn, B, n, d, g.dLn1)
		}
		if L.nt == n {
			copy(dB[:B*n*d], dMid[:B*n*d])
		} else {
			clear(dB[:B*n*d])
			scatterLastAdd(dMid, B, n, d, dB)
		}
		if hasLN(c) {
			layerNormBackward(g.dLn1, B*n, d, w.ln1w, L.ln1Scale, L.ln1Hat, gp(pre+"ln1.w"), gp(pre+"ln1.b"), dB, true)
		} else {
			addInto(dB[:B*n*d], dB[:B*n*d], g.dLn1[:B*n*d], d)
		}
		e.unpackGrads(grads, pre, dbq, dbkv, skip)
		dA, dB = dB, dA
	}
	// dA now holds d resid_pre of block 0 = d(W_E[tok] + W_pos).
	if dWE := gp("embed.W_E"); dWE != nil {
		for r := 0; r < B*n; r++ {
			dst := dWE[int(tok[r])*d:][:d]
			for j, v := range dA[r*d : (r+1)*d] {
				dst[j] += v
			}
		}
	}
	if dWpos := gp("pos_embed.W_pos"); dWpos != nil {
		for r := 0; r < B*n; r++ {
			dst := dWpos[(r%n)*d:][:d]
			for j, v := range dA[r*d : (r+1)*d] {
				dst[j] += v
			}
		}
	}
}

// unpackGrads adds the packed projection gradients of one block into grads
// under their TransformerLens layouts.
func (e *net[T]) unpackGrads(grads *Params[T], pre string, dbq, dbkv []T, skip map[string]bool) {
	c, g := e.c, &e.g
	d, h, dh := c.DModel, c.NHeads, c.DHead
	hd := h * dh
	for _, m := range []struct {
		name   string
		src    []T
		ld, co int
	}{{"attn.W_Q", g.dwq, hd, 0}, {"attn.W_K", g.dwkv, 2 * hd, 0}, {"attn.W_V", g.dwkv, 2 * hd, hd}} {
		if skip[pre+m.name] {
			continue
		}
		dst := grads.Get(pre + m.name)
		for hh := 0; hh < h; hh++ {
			for i := 0; i < d; i++ {
				o := (hh*d + i) * dh
				s := m.src[i*m.ld+m.co+hh*dh:][:dh]
				for e2, v := range s {
					dst[o+e2] += v
				}
			}
		}
	}
	add := func(name string, src []T) {
		if src == nil || skip[pre+name] {
			return
		}
		dst := grads.Get(pre + name)
		for i, v := range src {
			dst[i] += v
		}
	}
	add("attn.b_Q", dbq)
	if dbkv != nil {
		add("attn.b_K", dbkv[:hd])
		add("attn.b_V", dbkv[hd:])
	}
}
