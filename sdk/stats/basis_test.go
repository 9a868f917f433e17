package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestPCABasisKnown: points spread along three orthogonal directions with
// variances 16, 4 and 1 (and nothing else) need 2 axes for 90% of the
// variance (20/21 ≥ 0.9) and 3 for 99%.
func TestPCABasisKnown(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	const d = 6
	u, v := randomOrthonormalPair(rng, d)
	w := make([]float64, d)
	w[0] = 1
	// Make w orthogonal to u and v.
	for _, a := range [][]float64{u, v} {
		var dot float64
		for j := range w {
			dot += w[j] * a[j]
		}
		for j := range w {
			w[j] -= dot * a[j]
		}
	}
	var nw float64
	for _, x := range w {
		nw += x * x
	}
	for j := range w {
		w[j] /= math.Sqrt(nw)
	}
	mean := []float64{1, -2, 3, 0, 0, 5}
	// ±4 along u, ±2 along v, ±1 along w: population variances 16, 4, 1.
	var x []float64
	for _, c := range []struct {
		a   []float64
		amp float64
	}{{u, 4}, {v, 2}, {w, 1}} {
		for _, s := range []float64{1, -1} {
			for j := 0; j < d; j++ {
				x = append(x, mean[j]+s*c.amp*c.a[j])
			}
		}
	}
	n := len(x) / d
	b, err := FitPCABasis(x, n, d, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	if b.K() != 2 || !eq(b.VarianceRatio[0], 16.0/21, 1e-12) || !eq(b.VarianceRatio[1], 4.0/21, 1e-12) {
		t.Fatalf("k = %d, ratios %v, want 2 axes with 16/21, 4/21", b.K(), b.VarianceRatio)
	}
	for j := range mean {
		if !eq(b.Mean[j], mean[j], 1e-12) {
			t.Fatalf("mean %v, want %v", b.Mean, mean)
		}
	}
	// Axis 1 is ±u; the first point sits at +4 on it (up to the sign).
	proj := make([]float64, n*2)
	b.Project(proj, x, n)
	if !eq(math.Abs(proj[0]), 4, 1e-12) || !eq(proj[1], 0, 1e-12) || !eq(math.Abs(proj[2*2+1]), 2, 1e-12) {
		t.Errorf("projections %v", proj)
	}
	if b3, _ := FitPCABasis(x, n, d, 0.99); b3.K() != 3 {
		t.Errorf("99%%: k = %d, want 3", b3.K())
	}
	if b1, _ := FitPCABasis(x, n, d, 1); b1.K() != 3 {
		t.Errorf("100%%: k = %d, want 3 (the rest is rounding)", b1.K())
	}
	same := []float64{1, 2, 1, 2}
	if bz, _ := FitPCABasis(same, 2, 2, 0.95); bz.K() != 1 || bz.VarianceRatio[0] != 0 {
		t.Errorf("coincident points: k = %d, ratios %v", bz.K(), bz.VarianceRatio)
	}
	// Basis columns are orthonormal.
	var g mat.Dense
	g.Mul(b.Basis.T(), b.Basis)
	if !mat.EqualApprox(&g, mat.NewDiagDense(2, []float64{1, 1}), 1e-12) {
		t.Errorf("basis not orthonormal: %v", mat.Formatted(&g))
	}
}

func TestPCAAxes(t *testing.T) {
	// Three points in 4 dimensions: rank 2, so the third axis holds nothing.
	x := []float64{0, 0, 0, 1, 2, 0, 0, 1, 0, 1, 0, 1}
	b, err := FitPCAAxes(x, 3, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	if b.K() != 3 || b.VarianceRatio[2] > 1e-12 || !eq(b.VarianceRatio[0]+b.VarianceRatio[1], 1, 1e-12) {
		t.Errorf("k = %d, ratios %v", b.K(), b.VarianceRatio)
	}
	if b2, _ := FitPCAAxes(x, 3, 4, 9); b2.K() != 4 {
		t.Errorf("k capped at d: %d", b2.K())
	}
}
