package model

import (
	"math"
	"math/rand/v2"

	"github.com/tdw-workbench/tdw/sdk"
)

// The architecture "mlp" model: one hidden layer on the token pair [a, b]
// (n_ctx 2, a and b in [0, d_vocab)), as the reference project's two MLP
// families build it (PyTorch nn.Linear(bias=False) layers):
//
//	one_hot_concat: pre = onehot(a) ⊕ onehot(b) · W_in   W_in [2·d_vocab, d_mlp]
//	                    = W_in[a] + W_in[d_vocab + b]
//	embedding_sum:  x   = embed_a.W_E[a] + embed_b.W_E[b]   (hook_embed, [d_embed])
//	                pre = x · W_in                      W_in [d_embed, d_mlp]
//	post = act(pre); logits = post · W_out              W_out [d_mlp, d_vocab_out]
//
// There are no biases (the reference's layers have none), no residual
// stream, attention, LayerNorm or position axis: every hook and the logits
// have one row per input pair.

// mlpW returns the state-dict names of an MLP's weights.
const (
	mlpWin   = "blocks.0.mlp.W_in"
	mlpWout  = "blocks.0.mlp.W_out"
	mlpEmbA  = "embed_a.W_E"
	mlpEmbB  = "embed_b.W_E"
	mlpHPre  = "blocks.0.mlp.hook_pre"
	mlpHPost = "blocks.0.mlp.hook_post"
	mlpHEmb  = "hook_embed"
)

// mlpInWidth is the width of W_in's input: 2·d_vocab one-hot, or d_embed.
func mlpInWidth(c sdk.ModelConfig) int {
	if c.InputEncoding == EncodingEmbeddingSum {
		return c.DEmbed
	}
	return 2 * c.DVocab
}

// mlpParamSpecs lists an MLP's weights in the order they are initialized.
func mlpParamSpecs(c sdk.ModelConfig) []ParamSpec {
	var s []ParamSpec
	if c.InputEncoding == EncodingEmbeddingSum {
		s = append(s, ParamSpec{mlpEmbA, []int{c.DVocab, c.DEmbed}}, ParamSpec{mlpEmbB, []int{c.DVocab, c.DEmbed}})
	}
	return append(s, ParamSpec{mlpWin, []int{mlpInWidth(c), c.DMLP}}, ParamSpec{mlpWout, []int{c.DMLP, c.DVocabOut}})
}

// initMLP fills an MLP's weights as PyTorch initializes the reference's
// layers: embeddings ~ Normal(0, 1) (nn.Embedding), W_in and W_out ~
// Uniform(±1/sqrt(fan_in)) (nn.Linear's kaiming_uniform with a = sqrt(5));
// with initializer_range > 0, every weight ~ Normal(0, initializer_range)
// instead. Draws come from rng parameter by parameter in ParamSpecs order.
func initMLP[T Float](p *Params[T], c sdk.ModelConfig, rng *rand.Rand) {
	for _, s := range p.Specs {
		v := p.Get(s.Name)
		switch {
		case c.InitRange > 0:
			for i := range v {
				v[i] = T(rng.NormFloat64() * c.InitRange)
			}
		case s.Name == mlpEmbA || s.Name == mlpEmbB:
			for i := range v {
				v[i] = T(rng.NormFloat64())
			}
		default:
			bound := 1 / math.Sqrt(float64(s.Shape[0]))
			for i := range v {
				v[i] = T((2*rng.Float64() - 1) * bound)
			}
		}
	}
}

// mlpHooks lists an MLP's hook points in the order they run.
func mlpHooks(c sdk.ModelConfig) []HookInfo {
	var hs []HookInfo
	if c.InputEncoding == EncodingEmbeddingSum {
		hs = append(hs, HookInfo{mlpHEmb, -1, kindEmbedSum})
	}
	return append(hs, HookInfo{mlpHPre, 0, kindMLP}, HookInfo{mlpHPost, 0, kindMLP})
}

// mlpHookShape is [B, width] whatever positions were asked for: an MLP has
// no position axis.
func mlpHookShape(c sdk.ModelConfig, k hookKind, B int) []int {
	switch k {
	case kindEmbedSum:
		return []int{B, c.DEmbed}
	case kindLogits:
		return []int{B, c.DVocabOut}
	}
	return []int{B, c.DMLP}
}

// mlpNet is the CPU engine of an MLP for up to maxB token pairs, its
// buffers reused from call to call.
type mlpNet[T Float] struct {
	c      sdk.ModelConfig
	maxB   int
	hooks  map[string]Positions
	x      []T // summed embedding [B, d_embed] (embedding_sum)
	pre    []T // [B, d_mlp]
	post   []T
	logits []T // [B, d_vocab_out]
	// backward scratch
	dLogits, dPost, dPre, dx []T
}

func newMLPNet[T Float](c sdk.ModelConfig, maxB int, hooks map[string]Positions, train bool) *mlpNet[T] {
	e := &mlpNet[T]{c: c, maxB: maxB, hooks: hooks}
	if c.InputEncoding == EncodingEmbeddingSum {
		e.x = make([]T, maxB*c.DEmbed)
	}
	e.pre, e.post = make([]T, maxB*c.DMLP), make([]T, maxB*c.DMLP)
	e.logits = make([]T, maxB*c.DVocabOut)
	if train {
		e.dLogits, e.dPost, e.dPre = make([]T, maxB*c.DVocabOut), make([]T, maxB*c.DMLP), make([]T, maxB*c.DMLP)
		if e.x != nil {
			e.dx = make([]T, maxB*c.DEmbed)
		}
	}
	return e
}

// forward runs B token pairs (tok [B, 2], validated) with weights p; emit
// may be nil.
func (e *mlpNet[T]) forward(p *Params[T], tok []int64, B int, emit emitter[T]) {
	c := e.c
	dm, V := c.DMLP, c.DVocab
	out := func(name string, buf []T, w int) {
		if _, ok := e.hooks[name]; ok && emit != nil {
			emit(name, buf, B, 1, 1, w)
		}
	}
	Win := p.Get(mlpWin)
	if c.InputEncoding == EncodingEmbeddingSum {
		de := c.DEmbed
		pairSum(p.Get(mlpEmbA), p.Get(mlpEmbB), 0, tok, B, de, e.x)
		out(mlpHEmb, e.x, de)
		linearForward(e.x, B, de, Win, dm, nil, e.pre)
	} else {
		// One-hot a ⊕ b times W_in picks two rows of W_in.
		pairSum(Win, Win, V, tok, B, dm, e.pre)
	}
	out(mlpHPre, e.pre, dm)
	activationForward(c.ActFn, e.pre[:B*dm], e.post[:B*dm], dm)
	out(mlpHPost, e.post, dm)
	linearForward(e.post, B, dm, p.Get(mlpWout), c.DVocabOut, nil, e.logits)
}

// pairSum writes out[r] = A[a_r] + Bt[off + b_r] for the B pairs of tok,
// rows of width w.
func pairSum[T Float](A, Bt []T, off int, tok []int64, B, w int, out []T) {
	parallelRows(B, w, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ra, rb, o := A[int(tok[2*r])*w:][:w], Bt[(off+int(tok[2*r+1]))*w:][:w], out[r*w:][:w]
			for j := range o {
				o[j] = ra[j] + rb[j]
			}
		}
	})
}

// pairScatter adds g[r] into dA[a_r] and dB[off + b_r], sequentially so
// that rows of equal tokens add in a fixed order. A nil table is skipped.
func pairScatter[T Float](dA, dB []T, off int, tok []int64, B, w int, g []T) {
	for r := 0; r < B; r++ {
		src := g[r*w : (r+1)*w]
		if dA != nil {
			d := dA[int(tok[2*r])*w:][:w]
			for j, v := range src {
				d[j] += v
			}
		}
		if dB != nil {
			d := dB[(off+int(tok[2*r+1]))*w:][:w]
			for j, v := range src {
				d[j] += v
			}
		}
	}
}

// backward accumulates into grads the gradient of the loss whose logit
// gradient is in e.dLogits, for the B pairs forward just ran.
func (e *mlpNet[T]) backward(p, grads *Params[T], tok []int64, B int, skip map[string]bool) {
	c := e.c
	dm := c.DMLP
	gp := func(name string) []T {
		if skip[name] {
			return nil
		}
		return grads.Get(name)
	}
	linearBackward(e.post, B, dm, p.Get(mlpWout), c.DVocabOut, e.dLogits, gp(mlpWout), nil, e.dPost, false)
	activationBackward(c.ActFn, e.pre[:B*dm], e.dPost[:B*dm], e.dPre[:B*dm], dm)
	if c.InputEncoding == EncodingEmbeddingSum {
		de := c.DEmbed
		dA, dB := gp(mlpEmbA), gp(mlpEmbB)
		var dx []T
		if dA != nil || dB != nil {
			dx = e.dx
		}
		linearBackward(e.x, B, de, p.Get(mlpWin), dm, e.dPre, gp(mlpWin), nil, dx, false)
		if dx != nil {
			pairScatter(dA, dB, 0, tok, B, de, dx)
		}
		return
	}
	if dW := gp(mlpWin); dW != nil {
		pairScatter(dW, dW, c.DVocab, tok, B, dm, e.dPre)
	}
}

// mlpRunner is the CPU backend's Runner for an MLP.
type mlpRunner struct{ e *mlpNet[float32] }

func (r *mlpRunner) Forward(p *Params[float32], tok []int64, B int, emit Emitter) []float32 {
	r.e.forward(p, tok, B, emitter[float32](emit))
	return r.e.logits[:B*r.e.c.DVocabOut]
}

func (r *mlpRunner) Gradient(p *Params[float32], tok, labels []int64, B, norm int, grads *Params[float32], skip map[string]bool) float64 {
	e := r.e
	e.forward(p, tok, B, nil)
	loss := crossEntropyGrad(e.logits, e.dLogits, labels, B, e.c.DVocabOut, norm)
	e.backward(p, grads, tok, B, skip)
	return loss
}
