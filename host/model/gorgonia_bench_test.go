package model

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkMLPStep compares, on the calibration MLP block at the training
// batch (rows × 128 → 512 → 128, relu), one forward + backward written as a
// Gorgonia graph (TapeMachine, symbolic gradient) with the engine's
// hand-written kernels over the same BLAS. This measurement decided what
// Gorgonia does in the engine (docs/engine.md).
func BenchmarkMLPStep(b *testing.B) {
	const d, dm = 128, 512
	for _, rows := range []int{1000, 3830} {
		rng := rand.New(rand.NewPCG(1, 2))
		fill := func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.NormFloat64() * 0.1)
			}
			return v
		}
		x, win, wout := fill(rows*d), fill(d*dm), fill(dm*d)
		b.Run(fmt.Sprintf("gorgonia/rows=%d", rows), func(b *testing.B) {
			g := G.NewGraph()
			X := G.NewMatrix(g, tensor.Float32, G.WithShape(rows, d), G.WithName("x"),
				G.WithValue(tensor.New(tensor.WithShape(rows, d), tensor.WithBacking(append([]float32(nil), x...)))))
			Win := G.NewMatrix(g, tensor.Float32, G.WithShape(d, dm), G.WithName("win"),
				G.WithValue(tensor.New(tensor.WithShape(d, dm), tensor.WithBacking(append([]float32(nil), win...)))))
			Wout := G.NewMatrix(g, tensor.Float32, G.WithShape(dm, d), G.WithName("wout"),
				G.WithValue(tensor.New(tensor.WithShape(dm, d), tensor.WithBacking(append([]float32(nil), wout...)))))
			h := G.Must(G.Rectify(G.Must(G.Mul(X, Win))))
			y := G.Must(G.Mul(h, Wout))
			cost := G.Must(G.Sum(y))
			if _, err := G.Grad(cost, Win, Wout); err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(Win, Wout))
			defer vm.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
		})
		b.Run(fmt.Sprintf("engine/rows=%d", rows), func(b *testing.B) {
			pre, post, y := make([]float32, rows*dm), make([]float32, rows*dm), make([]float32, rows*d)
			dy := make([]float32, rows*d)
			for i := range dy {
				dy[i] = 1
			}
			dpost, dpre := make([]float32, rows*dm), make([]float32, rows*dm)
			dwin, dwout := make([]float32, d*dm), make([]float32, dm*d)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				linearForward(x, rows, d, win, dm, nil, pre)
				activationForward(ActReLU, pre, post, dm)
				linearForward(post, rows, dm, wout, d, nil, y)
				clear(dwin)
				clear(dwout)
				linearBackward(post, rows, dm, wout, d, dy, dwout, nil, dpost, false)
				activationBackward(ActReLU, pre, dpost, dpre, dm)
				linearBackward(x, rows, d, win, dm, dpre, dwin, nil, nil, false)
			}
		})
	}
}

// BenchmarkGorgoniaLinear decides how the Gorgonia backend computes a linear
// layer (the calibration model's W_in at its batch sizes: rows × 128 → 512,
// with bias, forward and backward to the input and the weight, cost = Σ y):
// Gorgonia's built-in Mul and BroadcastAdd with their symbolic gradients, or
// the backend's kernel op over the engine's gemm. Both run on a TapeMachine
// over the same BLAS (with -tags openblas, gorgonia.Use(netlib) is in effect).
func BenchmarkGorgoniaLinear(b *testing.B) {
	const in, out = 128, 512
	for _, rows := range []int{1024, 3830, 11490} {
		rng := rand.New(rand.NewPCG(3, 4))
		fill := func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.NormFloat64() * 0.1)
			}
			return v
		}
		x, w, bias := fill(rows*in), fill(in*out), fill(out)
		inputs := func(g *G.ExprGraph) (X, W, Bs *G.Node) {
			X = G.NewMatrix(g, tensor.Float32, G.WithShape(rows, in), G.WithName("x"),
				G.WithValue(tensor.New(tensor.WithShape(rows, in), tensor.WithBacking(x))))
			W = G.NewMatrix(g, tensor.Float32, G.WithShape(in, out), G.WithName("w"),
				G.WithValue(tensor.New(tensor.WithShape(in, out), tensor.WithBacking(w))))
			Bs = G.NewVector(g, tensor.Float32, G.WithShape(out), G.WithName("b"),
				G.WithValue(tensor.New(tensor.WithShape(out), tensor.WithBacking(bias))))
			return
		}
		runVM := func(b *testing.B, g *G.ExprGraph, y *G.Node, wrt ...*G.Node) {
			if _, err := G.Grad(G.Must(G.Sum(y)), wrt...); err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				vm.Reset()
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*6*float64(rows*in*out)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("rows=%d/builtin-Mul", rows), func(b *testing.B) {
			g := G.NewGraph()
			X, W, Bs := inputs(g)
			y := G.Must(G.BroadcastAdd(G.Must(G.Mul(X, W)), Bs, nil, []byte{0}))
			runVM(b, g, y, X, W)
		})
		b.Run(fmt.Sprintf("rows=%d/kernel-op", rows), func(b *testing.B) {
			g := G.NewGraph()
			X, W, Bs := inputs(g)
			bl := &gBuilder[float32]{g: g, ws: &workspace[float32]{bufs: map[string][]float32{}}, dt: tensor.Float32,
				need: map[*G.Node]bool{X: true, W: true}}
			runVM(b, g, bl.linear("lin", X, W, Bs, rows, in, out), X, W)
		})
	}
}

// BenchmarkGorgoniaGraphBuild measures what a new Runner costs the Gorgonia
// backend before its first run, per batch size: building the calibration
// model's graph (forward, and training with its gradient) and compiling it
// for the TapeMachine.
func BenchmarkGorgoniaGraphBuild(b *testing.B) {
	c := calibrationConfig(113)
	frozen := map[string]bool{}
	for _, s := range ParamSpecs(c) {
		if strings.Contains(s.Name, ".b_") {
			frozen[s.Name] = true
		}
	}
	for _, train := range []bool{false, true} {
		b.Run(fmt.Sprintf("train=%v", train), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r := newGorgoniaRunner[float32](c, 3, 1024, RunSpec{Logits: PosLast, Train: train})
				r.build(1024, train, frozen)
			}
		})
	}
}
