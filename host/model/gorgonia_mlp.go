package model

import (
	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// mlpNet lays out an architecture "mlp" model (mlp.go) as the CPU runner
// computes it and returns the logits node: the input layer (two rows of
// W_in, or the summed embeddings times W_in), the activation and W_out,
// no biases. Every hook has one row per pair.
func (s *gBuild[T]) mlpNet() *G.Node {
	b, c, P, B := s.b, s.r.c, s.P, s.B
	dm := c.DMLP
	var pre *G.Node
	if c.InputEncoding == EncodingEmbeddingSum {
		x := b.pairSum("embed_sum", P[mlpEmbA], P[mlpEmbB], 0, s.gr.tok, B, c.DEmbed)
		s.hook(x, mlpHEmb, 1, 1, c.DEmbed, s.nodeBuf(x))
		pre = b.linear("mlp.in", x, P[mlpWin], nil, B, c.DEmbed, dm)
	} else {
		pre = b.pairSum("mlp.in", P[mlpWin], nil, c.DVocab, s.gr.tok, B, dm)
	}
	s.hook(pre, mlpHPre, 1, 1, dm, s.nodeBuf(pre))
	post := b.activation("mlp.act", c.ActFn, pre, B, dm)
	s.hook(post, mlpHPost, 1, 1, dm, s.nodeBuf(post))
	return b.linear("mlp.out", post, P[mlpWout], nil, B, dm, c.DVocabOut)
}

// pairSum: out[r] = A[a_r] + Bt[off + b_r] over the B pairs of tok, rows
// of width w. Bt nil means A (the one-hot input reads two rows of W_in).
// Its gradients scatter the incoming rows back, sequentially.
func (b *gBuilder[T]) pairSum(name string, A, Bt *G.Node, off int, tok *G.Node, B, w int) *G.Node {
	ins := []*G.Node{A, tok}
	if Bt != nil {
		ins = []*G.Node{A, Bt, tok}
	}
	ti := len(ins) - 1
	run := func(in []G.Value) ([]T, error) {
		ta := in[0].Data().([]T)
		tb := ta
		if Bt != nil {
			tb = in[1].Data().([]T)
		}
		out := b.ws.get(name, B*w)
		pairSum(ta, tb, off, in[ti].Data().([]int64), B, w, out)
		return out, nil
	}
	var steps []diffStep
	for i, tab := range ins[:ti] {
		if !b.need[tab] {
			continue
		}
		slot, size := name+".d"+tab.Name(), tab.Shape().TotalSize()
		first, second := i == 0, Bt == nil || i == 1
		op := b.newOp(slot, tab.Shape(), []hm.Type{b.tt(2), tensorType(1, tensor.Int64)}, func(in []G.Value) ([]T, error) {
			g, t := in[0].Data().([]T), in[1].Data().([]int64)
			dst := b.ws.get(slot, size)
			clear(dst)
			var dA, dB []T
			if first {
				dA = dst
			}
			if second {
				dB = dst
			}
			pairScatter(dA, dB, off, t, B, w, g)
			return dst, nil
		}, nil)
		steps = append(steps, diffStep{i, op, []int{argGrad, ti}})
	}
	return b.apply(b.newOp(name, tensor.Shape{B, w}, typesOf(ins...), run, steps), ins...)
}
