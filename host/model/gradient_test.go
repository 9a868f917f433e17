package model

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

// gradModel returns a tiny model (LayerNorm, GELU: smooth, so central
// differences converge) with N(0, 0.5) weights on backend b, and a dataset of
// B random sequences with last-position labels.
func gradModel(t *testing.T, b Backend, B int, seed uint64) (*Model, sdk.Dataset) {
	t.Helper()
	c := tinyConfig(1, true, ActGELU, false)
	rng := rand.New(rand.NewPCG(seed, 7))
	p := Convert[float32](func() *Params[float64] { q := NewParams[float64](c); randomParams(q, rng); return q }())
	m := &Model{Config: c, Params: p, Backend: b}
	tok := randomTokens(rng, B, c.NCtx, c.DVocab)
	lab := randomTokens(rng, B, 1, c.DVocabOut)
	return m, sdk.Dataset{Tokens: sdk.FromInt64(tok, B, c.NCtx), Labels: sdk.FromInt64(lab, B)}
}

// meanLoss64 is the oracle: the mean cross-entropy of float64 copies of the
// weights on ds, through the reference CPU kernels in float64.
func meanLoss64(m *Model, ds sdk.Dataset) func(p *Params[float64]) float64 {
	B, n := ds.Tokens.Shape()[0], ds.Tokens.Shape()[1]
	e := newNet[float64](m.Config, n, B, newPlan(m.Config, nil, true, PosLast), true)
	tok, lab := ds.Tokens.Int64s(), ds.Labels.Int64s()
	return func(p *Params[float64]) float64 {
		e.pack(p)
		e.forward(p, tok, B, nil)
		return e.lossAndGrad(lab, B, B) / float64(B)
	}
}

// TestGradientMatchesFiniteDifferences: Gradient (float32 engine, both
// backends) equals central differences of the float64 loss of the same
// weights for every coordinate of every parameter, its loss equals Evaluate's,
// and the model is left byte for byte as it was.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for _, b := range []Backend{CPU(), Gorgonia()} {
		t.Run(b.Name(), func(t *testing.T) {
			m, ds := gradModel(t, b, 6, 11)
			before := slices.Clone(m.Params.Data)
			loss, grads, err := Gradient(m, ds, PosLast, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(before, m.Params.Data) {
				t.Fatal("Gradient changed the model's parameters")
			}
			if len(grads) != len(m.Params.Specs) {
				t.Fatalf("%d gradients for %d parameters", len(grads), len(m.Params.Specs))
			}
			wantLoss, _, err := Evaluate(m, ds, PosLast)
			if err != nil {
				t.Fatal(err)
			}
			if !scalar.EqualWithinAbsOrRel(loss, wantLoss, 1e-9, 1e-9) {
				t.Errorf("loss %v, Evaluate says %v", loss, wantLoss)
			}
			f := meanLoss64(m, ds)
			p := Convert[float64](m.Params)
			const h = 1e-6
			for _, s := range p.Specs {
				g := grads[s.Name]
				if g == nil || g.DType() != sdk.Float32 || !slices.Equal(g.Shape(), s.Shape) {
					t.Fatalf("gradient of %s is %v, want float32%s", s.Name, g, sdk.ShapeString(s.Shape))
				}
				lo, hi, _ := p.Range(s.Name)
				for j := lo; j < hi; j++ {
					old := p.Data[j]
					p.Data[j] = old + h
					lp := f(p)
					p.Data[j] = old - h
					lm := f(p)
					p.Data[j] = old
					num := (lp - lm) / (2 * h)
					// float32 forward and backward: about 1e-6 relative.
					if got := float64(g.Float32s()[j-lo]); !scalar.EqualWithinAbsOrRel(got, num, 2e-6, 1e-4) {
						t.Fatalf("%s[%d]: Gradient %.8g, finite difference %.8g", s.Name, j-lo, got, num)
					}
				}
			}
		})
	}
}

// TestGradientChunksAndNames: over more rows than one backward pass takes,
// the chunks add up to the mean's gradient; asking for some parameters
// returns exactly those, with the values of the full gradient.
func TestGradientChunksAndNames(t *testing.T) {
	m, ds := gradModel(t, CPU(), gradBatch+37, 12)
	loss, all, err := Gradient(m, ds, PosLast, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := Convert[float64](m.Params)
	B, n := ds.Tokens.Shape()[0], ds.Tokens.Shape()[1]
	e := newNet[float64](m.Config, n, B, newPlan(m.Config, nil, true, PosLast), true)
	e.pack(p)
	e.forward(p, ds.Tokens.Int64s(), B, nil)
	want := zeroLike(p)
	wantLoss := e.lossAndGrad(ds.Labels.Int64s(), B, B) / float64(B)
	e.backward(p, want, ds.Tokens.Int64s(), B, nil)
	if !scalar.EqualWithinAbsOrRel(loss, wantLoss, 1e-6, 1e-6) {
		t.Errorf("loss %v, float64 %v", loss, wantLoss)
	}
	for _, s := range p.Specs {
		w := want.Get(s.Name)
		for j, g := range all[s.Name].Float32s() {
			if !scalar.EqualWithinAbsOrRel(float64(g), w[j], 1e-6, 1e-4) {
				t.Fatalf("%s[%d]: chunked %v, float64 in one pass %v", s.Name, j, g, w[j])
			}
		}
	}
	names := []string{"blocks.0.mlp.W_in", "embed.W_E", "blocks.0.attn.W_Q"}
	_, some, err := Gradient(m, ds, PosLast, names)
	if err != nil {
		t.Fatal(err)
	}
	if len(some) != len(names) {
		t.Fatalf("asked for %v, got %d gradients", names, len(some))
	}
	for _, name := range names {
		if !slices.Equal(some[name].Float32s(), all[name].Float32s()) {
			t.Errorf("%s alone differs from the full gradient's", name)
		}
	}
	for _, bad := range [][]string{{"embed.W_X"}, {"embed.W_E", "embed.W_E"}} {
		if _, _, err := Gradient(m, ds, PosLast, bad); err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("names %v: err = %v", bad, err)
		}
	}
}
