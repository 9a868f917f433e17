package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestAdamWStepMatchesPyTorchRule checks three consecutive AdamW steps against
// torch.optim.AdamW's rule written out in float64:
//
//	p ← p(1 − lr·wd); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²
//	p ← p − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)
func TestAdamWStepMatchesPyTorchRule(t *testing.T) {
	o := AdamW{LR: 1e-2, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8, WeightDecay: 0.5}
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 50
	p32, m32, v32 := make([]float32, n), make([]float32, n), make([]float32, n)
	p64, m64, v64 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range p32 {
		p32[i] = float32(rng.NormFloat64())
		p64[i] = float64(p32[i])
	}
	for step := 1; step <= 3; step++ {
		g32 := make([]float32, n)
		for i := range g32 {
			g32[i] = float32(rng.NormFloat64() * 0.1)
		}
		adamwStep(o, step, p32, g32, m32, v32)
		for i := range p64 {
			g := float64(g32[i])
			p64[i] *= 1 - o.LR*o.WeightDecay
			m64[i] = o.Beta1*m64[i] + (1-o.Beta1)*g
			v64[i] = o.Beta2*v64[i] + (1-o.Beta2)*g*g
			bc1 := 1 - math.Pow(o.Beta1, float64(step))
			bc2 := 1 - math.Pow(o.Beta2, float64(step))
			p64[i] -= o.LR / bc1 * m64[i] / (math.Sqrt(v64[i])/math.Sqrt(bc2) + o.Eps)
		}
		for i := range p64 {
			if !scalar.EqualWithinAbsOrRel(float64(p32[i]), p64[i], 1e-7, 1e-6) {
				t.Fatalf("step %d: p[%d] = %.9g, hand-computed %.9g", step, i, p32[i], p64[i])
			}
		}
	}
	// Known first step: with m̂ = g and v̂ = g², the move is lr·sign(g)
	// (up to eps) after decay.
	p, g := []float32{2}, []float32{-3}
	adamwStep(AdamW{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}, 1, p, g, []float32{0}, []float32{0})
	if want := 2*(1-0.1*0.01) + 0.1; math.Abs(float64(p[0])-want) > 1e-6 {
		t.Fatalf("first step: %v, want %v", p[0], want)
	}
}

// TestTrainerFrozenNotUpdatedOrDecayed trains a few steps and checks that
// frozen parameters keep their exact values while the others move.
func TestTrainerFrozenNotUpdatedOrDecayed(t *testing.T) {
	m, err := New(calibrationConfig(7))
	if err != nil {
		t.Fatal(err)
	}
	b := m.Params.Get("blocks.0.mlp.b_in")
	for i := range b {
		b[i] = 0.25 // a frozen non-zero bias would shrink under weight decay
	}
	before := append([]float32(nil), m.Params.Data...)
	tr, err := NewTrainer(m, calibrationTrain)
	if err != nil {
		t.Fatal(err)
	}
	ds := calibrationData(7)
	for i := 0; i < 3; i++ {
		if _, err := tr.Epoch(ds); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range m.Params.Specs {
		lo, hi, _ := m.Params.Range(s.Name)
		changed := false
		for i := lo; i < hi; i++ {
			if m.Params.Data[i] != before[i] {
				changed = true
			}
		}
		if tr.Frozen(s.Name) == changed {
			t.Errorf("%s: frozen %v but changed %v", s.Name, tr.Frozen(s.Name), changed)
		}
	}
	if tr.Step() != 3 {
		t.Errorf("step %d, want 3", tr.Step())
	}
}
