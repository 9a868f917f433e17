package model

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestFloat32MatchesFloat64 runs the engine's float32 path, with products
// split over goroutines, against the float64 path with unsplit products, on
// the same weights, for logits and for the gradient of a training step.
func TestFloat32MatchesFloat64(t *testing.T) {
	saved := splitGEMM
	defer func() { splitGEMM = saved }()
	c := calibrationConfig(13)
	c.NLayers, c.NormalizationType, c.ActFn = 2, NormLN, ActGELU
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Params.Data {
		// Non-zero biases and LN parameters too.
		if m.Params.Data[i] == 0 {
			m.Params.Data[i] = float32(0.01 * math.Sin(float64(i)))
		}
	}
	ds := calibrationData(13)
	tok, lab := ds.Tokens.Int64s(), ds.Labels.Int64s()
	B, n := ds.Tokens.Shape()[0], 3
	p64 := Convert[float64](m.Params)

	e32 := newNet[float32](c, n, B, newPlan(c, nil, true, PosLast), true)
	e64 := newNet[float64](c, n, B, newPlan(c, nil, true, PosLast), true)
	e32.pack(m.Params)
	e64.pack(p64)
	splitGEMM = true
	e32.forward(m.Params, tok, B, nil)
	splitGEMM = false
	e64.forward(p64, tok, B, nil)
	maxAbs := 0.0
	for _, v := range e64.logits[:B*c.DVocabOut] {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	for i, v := range e64.logits[:B*c.DVocabOut] {
		if math.Abs(float64(e32.logits[i])-v) > 1e-5*maxAbs {
			t.Fatalf("logit %d: float32 %v, float64 %v", i, e32.logits[i], v)
		}
	}
	l32 := e32.lossAndGrad(lab, B, B) / float64(B)
	l64 := e64.lossAndGrad(lab, B, B) / float64(B)
	if !scalar.EqualWithinAbsOrRel(l32, l64, 0, 1e-5) {
		t.Fatalf("loss float32 %v, float64 %v", l32, l64)
	}
	g32, g64 := zeroLike(m.Params), zeroLike(p64)
	splitGEMM = true
	e32.backward(m.Params, g32, tok, B, nil)
	splitGEMM = false
	e64.backward(p64, g64, tok, B, nil)
	for _, s := range m.Params.Specs {
		a, b := g32.Get(s.Name), g64.Get(s.Name)
		var num, den float64
		for i := range a {
			d := float64(a[i]) - b[i]
			num += d * d
			den += b[i] * b[i]
		}
		// b_K's true gradient is zero (a key bias shifts a whole score row,
		// which softmax ignores): an absolute floor covers rounding there.
		if math.Sqrt(num) > 1e-4*math.Sqrt(den)+1e-7*math.Sqrt(float64(len(a))) {
			t.Errorf("%s: float32 gradient off by %.2g relative (L2)", s.Name, math.Sqrt(num/den))
		}
	}
}
