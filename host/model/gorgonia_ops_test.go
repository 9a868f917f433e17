package model

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestKernelOpDoDiff runs a small graph of the backend's ops (LayerNorm,
// linear, activation, residual sum, cross-entropy) on Gorgonia's LispMachine,
// which differentiates through the ops' DoDiff (ADOp), and on a TapeMachine
// with gorgonia.Grad (SymDiff), and wants the same parameter gradients.
func TestKernelOpDoDiff(t *testing.T) {
	const rows, d, dm, V = 6, 5, 7, 4
	rng := rand.New(rand.NewPCG(7, 8))
	fill := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	vals := map[string][]float64{"x": fill(rows * d), "lnw": fill(d), "lnb": fill(d), "w1": fill(d * dm), "b1": fill(dm),
		"w2": fill(dm * d), "b2": fill(d), "wu": fill(d * V), "bu": fill(V)}
	shapes := map[string][]int{"x": {rows, d}, "lnw": {d}, "lnb": {d}, "w1": {d, dm}, "b1": {dm}, "w2": {dm, d}, "b2": {d}, "wu": {d, V}, "bu": {V}}
	names := []string{"x", "lnw", "lnb", "w1", "b1", "w2", "b2", "wu", "bu"}
	labels := []int64{0, 3, 1, 2, 2, 1}
	build := func() (*G.ExprGraph, *G.Node, map[string]*G.Node) {
		g := G.NewGraph()
		b := &gBuilder[float64]{g: g, ws: &workspace[float64]{bufs: map[string][]float64{}}, dt: tensor.Float64, need: map[*G.Node]bool{}}
		n := map[string]*G.Node{}
		for _, k := range names {
			n[k] = G.NewTensor(g, tensor.Float64, len(shapes[k]), G.WithShape(shapes[k]...), G.WithName(k),
				G.WithValue(tensor.New(tensor.WithShape(shapes[k]...), tensor.WithBacking(append([]float64(nil), vals[k]...)))))
			b.need[n[k]] = true
		}
		lab := G.NewTensor(g, tensor.Int64, 1, G.WithShape(rows), G.WithName("labels"),
			G.WithValue(tensor.New(tensor.WithShape(rows), tensor.WithBacking(labels))))
		ln := b.layerNorm("ln", n["x"], n["lnw"], n["lnb"], rows, d)
		h := b.activation("act", ActGELU, b.linear("l1", ln, n["w1"], n["b1"], rows, d, dm), rows, dm)
		res := b.add("res", n["x"], b.linear("l2", h, n["w2"], n["b2"], rows, dm, d), rows, d)
		st := &lossState{norm: rows}
		return g, b.crossEntropy(b.linear("lu", res, n["wu"], n["bu"], rows, d, V), lab, rows, V, st), n
	}

	g1, cost1, n1 := build()
	wrt := make(G.Nodes, len(names))
	for i, k := range names {
		wrt[i] = n1[k]
	}
	sym, err := G.Grad(cost1, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	tm := G.NewTapeMachine(g1)
	defer tm.Close()
	if err := tm.RunAll(); err != nil {
		t.Fatal(err)
	}

	g2, cost2, n2 := build()
	lm := G.NewLispMachine(g2)
	defer lm.Close()
	if err := lm.RunAll(); err != nil {
		t.Fatal(err)
	}
	if a, b := cost1.Value().Data().(float64), cost2.Value().Data().(float64); a != b {
		t.Fatalf("loss: tape %v, lisp %v", a, b)
	}
	for i, k := range names {
		want := sym[i].Value().Data().([]float64)
		gv, err := n2[k].Grad()
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		got := gv.Data().([]float64)
		for j := range want {
			if !scalar.EqualWithinAbsOrRel(got[j], want[j], 1e-14, 1e-12) {
				t.Fatalf("%s[%d]: DoDiff %v, SymDiff %v", k, j, got[j], want[j])
			}
		}
	}
}
