package model

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

// randomParams fills p with N(0, 0.5) everywhere (non-zero biases, LN weights
// away from 1) so that every term of every gradient is exercised.
func randomParams(p *Params[float64], rng *rand.Rand) {
	for i := range p.Data {
		p.Data[i] = rng.NormFloat64() * 0.5
	}
	for _, s := range p.Specs {
		if len(s.Name) > 2 && s.Name[len(s.Name)-2:] == ".w" {
			for i, v := range p.Get(s.Name) {
				p.Get(s.Name)[i] = 1 + 0.3*v
			}
		}
	}
}

func randomTokens(rng *rand.Rand, B, n, vocab int) []int64 {
	t := make([]int64, B*n)
	for i := range t {
		t[i] = int64(rng.IntN(vocab))
	}
	return t
}

func tinyConfig(layers int, ln bool, act string, attnOnly bool) sdk.ModelConfig {
	c := sdk.ModelConfig{NLayers: layers, DModel: 8, NHeads: 2, DHead: 3, DMLP: 10, DVocab: 7, DVocabOut: 5, NCtx: 4, ActFn: act, AttnOnly: attnOnly, Seed: 1}
	if ln {
		c.NormalizationType = NormLN
	}
	if attnOnly {
		c.DMLP = 0
	}
	return c
}

// gradRunner computes, for one backend in float64, the summed cross-entropy
// of a batch and (when grads is not nil) adds its gradient / rows into grads.
type gradRunner func(p *Params[float64], tok, lab []int64, rows int, grads *Params[float64]) float64

// gradBackends are the backends under gradient check, each made for
// configuration c, B sequences of n tokens, the kept hooks (which change the
// plan) and the loss positions; qAll reports the plan's choice.
var gradBackends = []struct {
	name string
	make func(c sdk.ModelConfig, n, B int, hooks map[string]Positions, lossPos Positions, skip map[string]bool) (gradRunner, bool)
}{
	{"cpu", func(c sdk.ModelConfig, n, B int, hooks map[string]Positions, lossPos Positions, skip map[string]bool) (gradRunner, bool) {
		e := newNet[float64](c, n, B, newPlan(c, hooks, true, lossPos), true)
		return func(p *Params[float64], tok, lab []int64, rows int, grads *Params[float64]) float64 {
			e.pack(p)
			e.forward(p, tok, B, nil)
			loss := e.lossAndGrad(lab, rows, rows)
			if grads != nil {
				e.backward(p, grads, tok, B, skip)
			}
			return loss
		}, e.pl.qAll
	}},
	{"gorgonia", func(c sdk.ModelConfig, n, B int, hooks map[string]Positions, lossPos Positions, skip map[string]bool) (gradRunner, bool) {
		r := newGorgoniaRunner[float64](c, n, B, RunSpec{Hooks: hooks, Logits: lossPos, Train: true})
		scratch := NewParams[float64](c)
		return func(p *Params[float64], tok, lab []int64, rows int, grads *Params[float64]) float64 {
			if grads == nil {
				grads = scratch
			}
			return r.Gradient(p, tok, lab, B, rows, grads, skip)
		}, r.pl.qAll
	}},
}

// TestGradientFiniteDifference checks every parameter's analytic gradient
// (all hand-written kernels: embedding, LayerNorm, fused attention, linear,
// activations, cross-entropy; on the Gorgonia backend, the custom ops'
// gradients assembled by gorgonia.Grad) against central differences in
// float64, on every backend. With frozen parameters, the others' gradients
// must still be exact.
func TestGradientFiniteDifference(t *testing.T) {
	biases := map[string]bool{}
	for _, s := range ParamSpecs(tinyConfig(2, true, ActGELU, false)) {
		if strings.Contains(s.Name, ".b_") || strings.HasSuffix(s.Name, ".b") {
			biases[s.Name] = true
		}
	}
	cases := []struct {
		c       sdk.ModelConfig
		lossPos Positions
		qAll    bool // a hook kept at every position forces the last block's queries at every position
		skip    map[string]bool
	}{
		{tinyConfig(1, false, ActReLU, false), PosLast, false, nil},
		{tinyConfig(1, false, ActReLU, false), PosLast, true, nil},
		{tinyConfig(1, true, ActGELU, false), PosLast, false, nil},
		{tinyConfig(2, true, ActGELUNew, false), PosAll, false, nil},
		{tinyConfig(2, false, ActGELU, false), PosLast, false, nil},
		{tinyConfig(2, true, "", true), PosLast, false, nil},
		{tinyConfig(1, false, "", true), PosAll, false, nil},
		{tinyConfig(2, true, ActGELU, false), PosLast, false, biases},
	}
	for _, be := range gradBackends {
		for i, tc := range cases {
			t.Run(fmt.Sprintf("%s/%d_L%d_ln%v_%s_attnonly%v_%v_frozen%d", be.name, i, tc.c.NLayers, hasLN(tc.c), tc.c.ActFn, tc.c.AttnOnly, tc.lossPos, len(tc.skip)), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(i), 42))
				c := tc.c
				p := NewParams[float64](c)
				randomParams(p, rng)
				B, n := 3, c.NCtx
				tok := randomTokens(rng, B, n, c.DVocab)
				rows := B
				if tc.lossPos.Select == AllPositions {
					rows = B * n
				}
				lab := randomTokens(rng, rows, 1, c.DVocabOut)
				hooks := map[string]Positions{}
				if tc.qAll {
					hooks[fmt.Sprintf("blocks.%d.attn.hook_pattern", c.NLayers-1)] = PosAll
				}
				run, qAll := be.make(c, n, B, hooks, tc.lossPos, tc.skip)
				if tc.qAll && !qAll {
					t.Fatal("plan did not put queries at every position")
				}
				loss := func() float64 { return run(p, tok, lab, rows, nil) / float64(rows) }
				grads := zeroLike(p)
				run(p, tok, lab, rows, grads)
				const h = 1e-6
				for _, s := range p.Specs {
					if tc.skip[s.Name] {
						continue
					}
					lo, hi, _ := p.Range(s.Name)
					for j := lo; j < hi; j++ {
						old := p.Data[j]
						p.Data[j] = old + h
						lp := loss()
						p.Data[j] = old - h
						lm := loss()
						p.Data[j] = old
						num := (lp - lm) / (2 * h)
						if !scalar.EqualWithinAbsOrRel(grads.Data[j], num, 1e-8, 1e-5) {
							t.Fatalf("%s[%d]: analytic %.10g, numeric %.10g", s.Name, j-lo, grads.Data[j], num)
						}
					}
				}
			})
		}
	}
}
