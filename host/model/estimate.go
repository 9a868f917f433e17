package model

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// The engine's memory, estimated before anything is allocated, so that a run
// too big for the machine (p = 1009 takes 11 GB to train) can be refused
// before it starts. The counts are of the float32 values a pass writes: the
// engine allocates some buffers for every position and writes the last only,
// and pages never written take no memory. TestActivationFloatsMatchEngine
// checks them against the CPU engine's buffers; docs/engine.md ("Memory")
// compares them with measured peaks on both backends.

// evalBatch is the batch of the forward passes that Evaluate runs.
const evalBatch = 4096

// ParamCount returns the number of parameters of a model with configuration c.
func ParamCount(c sdk.ModelConfig) int64 {
	var n int64
	for _, s := range ParamSpecs(c) {
		n += int64(sdk.NumElements(s.Shape))
	}
	return n
}

// RunnerBytes estimates the memory a Runner made by NewRunner(c, n, batch,
// spec) fills when it runs batch sequences: its activations, and with
// spec.Train its gradients with respect to them.
func RunnerBytes(c sdk.ModelConfig, n, batch int, spec RunSpec) int64 {
	return 4 * int64(batch) * activationFloats(c, n, spec)
}

// ForwardBytes estimates the memory Forward(tokens, opts) holds at its peak
// for tokens of B sequences of n positions: the returned cache (the kept
// hooks and the logits for every sequence) and the runner of one batch. A
// pattern that matches no hook is an error naming it.
func ForwardBytes(c sdk.ModelConfig, B, n int, opts ForwardOptions) (int64, error) {
	hooks, err := resolveHooks(c, opts.Hooks)
	if err != nil {
		return 0, err
	}
	cache, _ := CacheBytes(c, B, n, opts.Hooks)
	bs := opts.BatchSize
	if bs <= 0 {
		bs = DefaultForwardBatch
	}
	return cache + LogitsBytes(c, B, n, opts.Logits) + RunnerBytes(c, n, max(1, min(bs, B)), RunSpec{Hooks: hooks, Logits: opts.Logits}), nil
}

// CacheBytes returns the bytes of the hooks a forward pass over B sequences
// of n positions keeps for the given requests (the logits aside). A pattern
// that matches no hook is an error naming it.
func CacheBytes(c sdk.ModelConfig, B, n int, reqs []HookRequest) (int64, error) {
	hooks, err := resolveHooks(c, reqs)
	if err != nil {
		return 0, err
	}
	var cache int64
	for _, h := range Hooks(c) {
		if p, ok := hooks[h.Name]; ok {
			cache += int64(sdk.NumElements(hookShape(c, h.kind, B, n, p)))
		}
	}
	return 4 * cache, nil
}

// LogitsBytes returns the bytes of the logits of B sequences of n positions
// kept at pos.
func LogitsBytes(c sdk.ModelConfig, B, n int, pos Positions) int64 {
	return 4 * int64(sdk.NumElements(hookShape(c, kindLogits, B, n, pos)))
}

// TrainingBytes estimates the memory of a Trainer's epochs over train
// sequences of n positions: the parameters with their gradients and AdamW
// moments, the training runner (one batch of tc.BatchSize, or all of
// train) and the token and label matrices.
func TrainingBytes(c sdk.ModelConfig, n, train int, tc TrainConfig) int64 {
	bs := tc.BatchSize
	if bs <= 0 || bs >= train {
		bs = train
	}
	params := 4 * 4 * ParamCount(c) // weights, gradients, two moments
	return params + dataBytes(n, train, tc.lossPos()) + RunnerBytes(c, n, bs, RunSpec{Logits: tc.lossPos(), Train: true})
}

// EvalBytes estimates the memory of evaluating a model on rows sequences of
// n positions at pos with a runner kept for them (as Trainer.Evaluate and
// host/variant do): the runner of one batch of at most 4096 and the data.
func EvalBytes(c sdk.ModelConfig, n, rows int, pos Positions) int64 {
	return dataBytes(n, rows, pos) + RunnerBytes(c, n, min(rows, evalBatch), RunSpec{Logits: pos})
}

// dataBytes is the size of int64 tokens and labels of rows sequences.
func dataBytes(n, rows int, pos Positions) int64 {
	labels := 1
	if pos.Select == AllPositions {
		labels = n
	}
	return 8 * int64(rows) * int64(n+labels)
}

// passRows are the rows per sequence at which one block computes its queries
// (nq) and what follows its attention (nt): n, or 1 for the last block when
// only the last position is kept.
type passRows struct{ nq, nt int }

// activationFloats counts the float32 values per sequence that one pass of
// a runner for spec writes: the forward buffers of newNet's plan, and with
// spec.Train the backward's. Buffers shared between layers count once, at
// the most any layer writes.
func activationFloats(c sdk.ModelConfig, n int, spec RunSpec) int64 {
	if IsMLP(c) { // newMLPNet's buffers
		f := 2*c.DMLP + c.DVocabOut
		if c.InputEncoding == EncodingEmbeddingSum {
			f += c.DEmbed
		}
		if spec.Train {
			f += 2*c.DMLP + c.DVocabOut
			if c.InputEncoding == EncodingEmbeddingSum {
				f += c.DEmbed
			}
		}
		return int64(f)
	}
	pl := newPlan(c, spec.Hooks, true, spec.Logits)
	d, h, hd, dm, V := c.DModel, c.NHeads, c.NHeads*c.DHead, c.DMLP, c.DVocabOut
	ln, mlp := hasLN(c), hasMLP(c)
	layers := make([]passRows, c.NLayers)
	for l := range layers {
		layers[l] = passRows{n, n}
		if l == c.NLayers-1 {
			if !pl.qAll {
				layers[l].nq = 1
			}
			if !pl.tailAll {
				layers[l].nt = 1
			}
		}
	}
	last := layers[len(layers)-1]
	f := n * d // the embedding, into block 0's residual
	for l, r := range layers {
		if ln {
			f += n + 2*n*d
		}
		f += n*2*hd + r.nq*hd + h*r.nq*n + r.nq*hd // K and V, Q, pattern, z
		if _, ok := pl.hooks[fmt.Sprintf("blocks.%d.attn.hook_attn_scores", l)]; ok {
			f += h * r.nq * n
		}
		if r.nq != n {
			f += r.nq * d // queries' input, gathered
		}
		if r.nt != r.nq {
			f += r.nt * hd
		}
		if r.nt != n {
			f += r.nt * d
		}
		f += 2 * r.nt * d // attention out, resid_mid
		if mlp {
			if ln {
				f += r.nt + 2*r.nt*d
			}
			f += 2*r.nt*dm + 2*r.nt*d // pre, post, mlp_out, resid_post
		}
	}
	if ln {
		f += last.nt + 2*last.nt*d
	}
	f += last.nt * V
	f += hookScratch(c, n, pl)
	if spec.Train {
		f += gradientFloats(c, n, layers[:len(layers)-1], last.nq, last.nt)
	}
	return int64(f)
}

// hookScratch is the most any kept hook that is no compute buffer (the
// embeddings, keys, values) writes into the shared scratch buffer.
func hookScratch(c sdk.ModelConfig, n int, pl plan) int {
	most := 0
	for name, p := range pl.hooks {
		w := 0
		switch {
		case name == "hook_embed" || name == "hook_pos_embed":
			w = c.DModel
		case strings.HasSuffix(name, ".attn.hook_k") || strings.HasSuffix(name, ".attn.hook_v"):
			w = c.NHeads * c.DHead
		default:
			continue
		}
		r := n
		if p.Select == LastPosition {
			r = 1
		}
		most = max(most, r*w)
	}
	return most
}

// gradientFloats counts the backward's writes per sequence: the gradient
// buffers are shared by every layer, so each counts at the most a layer
// writes; earlier layers run at every position, the last at nq query and
// nt tail rows.
func gradientFloats(c sdk.ModelConfig, n int, earlier []passRows, nq, nt int) int {
	d, hd, dm, V := c.DModel, c.NHeads*c.DHead, c.DMLP, c.DVocabOut
	ln, mlp := hasLN(c), hasMLP(c)
	tail := nt // rows of the widest tail among the layers
	if len(earlier) > 0 {
		tail = n
	}
	g := nt * V     // logits
	g += n * d      // d resid_pre out of the last block
	g += n * 2 * hd // keys and values
	g += n * d      // d ln1 (or resid_pre) from K, V and Q
	if len(earlier) > 0 {
		g += n * d // the ping-pong's other half, full for earlier blocks
	} else {
		g += nt * d
	}
	if mlp {
		g += 2*tail*dm + 2*tail*d // d post, d pre, d mlp input, d resid_mid
	} else if ln {
		g += nt * d // d ln_final
	}
	g += tail * hd // d z at the tail rows
	if nt != nq {
		g += n * hd
	}
	q := nq
	if len(earlier) > 0 {
		q = n
	}
	g += q * hd // d q
	if nq != n {
		g += nq * d // d of the gathered query input
	}
	return g
}
