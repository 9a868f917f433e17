package stats

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// linearTrajectory runs x_{t+1} = A·x_t for a 4-dimensional system with
// eigenvalues 0.9·e^{±iπ/6} (a decaying rotation) and 0.8, 0.5 (decays), seen
// through a random invertible 6×4 embedding so the state is 6-dimensional.
func linearTrajectory(rng *rand.Rand, steps int) ([]float64, []complex128) {
	const inner, state = 4, 6
	th := math.Pi / 6
	a := mat.NewDense(inner, inner, []float64{
		0.9 * math.Cos(th), -0.9 * math.Sin(th), 0, 0,
		0.9 * math.Sin(th), 0.9 * math.Cos(th), 0, 0,
		0, 0, 0.8, 0,
		0, 0, 0, 0.5,
	})
	emb := mat.NewDense(state, inner, nil)
	for i := 0; i < state; i++ {
		for j := 0; j < inner; j++ {
			emb.Set(i, j, rng.NormFloat64())
		}
	}
	z := mat.NewVecDense(inner, []float64{1, 0.5, 2, -1})
	x := make([]float64, steps*state)
	for t := 0; t < steps; t++ {
		xt := mat.NewVecDense(state, x[t*state:(t+1)*state])
		xt.MulVec(emb, z)
		z.MulVec(a, mat.VecDenseCopyOf(z))
	}
	want := []complex128{cmplx.Rect(0.9, th), cmplx.Rect(0.9, -th), 0.8, 0.5}
	return x, want
}

func TestExactDMDRecoversLinearSystem(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	const steps, state = 20, 6
	x, want := linearTrajectory(rng, steps)
	d, err := ExactDMD(x, steps, state, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Rank != 4 {
		t.Fatalf("rank %d, want 4 (singular values %v)", d.Rank, d.SingularValues)
	}
	for i, w := range want {
		if cmplx.Abs(d.Eigenvalues[i]-w) > 1e-8 {
			t.Errorf("eigenvalue %d = %v, want %v (all: %v)", i, d.Eigenvalues[i], w, d.Eigenvalues)
		}
	}
	for t0, r := range d.Residuals {
		if r > 1e-9 {
			t.Errorf("residual at step %d = %g, want ~0", t0, r)
		}
	}
	// The modes and amplitudes rebuild the trajectory: x_t = Re Σ α_i λ_i^t φ_i.
	for t0 := 0; t0 < steps; t0 += 5 {
		for j := 0; j < state; j++ {
			var s complex128
			for i := 0; i < d.Rank; i++ {
				s += d.Amplitudes[i] * cmplx.Pow(d.Eigenvalues[i], complex(float64(t0), 0)) * d.Modes[j*d.Rank+i]
			}
			if !eq(real(s), x[t0*state+j], 1e-7) || math.Abs(imag(s)) > 1e-7 {
				t.Errorf("x[%d][%d] rebuilt as %v, want %v", t0, j, s, x[t0*state+j])
			}
		}
	}
}

// TestExactDMDResidualMarksAKick: a rotation whose state is kicked once
// between steps 15 and 16 is no longer one linear map; the one-step residual
// is largest at that step, which is what centroid_dmd looks for.
func TestExactDMDResidualMarksAKick(t *testing.T) {
	const steps, state, th = 40, 2, 0.3
	x := make([]float64, steps*state)
	x[0], x[1] = 1, 0
	for t0 := 1; t0 < steps; t0++ {
		px, py := x[(t0-1)*state], x[(t0-1)*state+1]
		x[t0*state] = math.Cos(th)*px - math.Sin(th)*py
		x[t0*state+1] = math.Sin(th)*px + math.Cos(th)*py
		if t0 == 16 {
			x[t0*state] += 0.5
		}
	}
	d, err := ExactDMD(x, steps, state, 1)
	if err != nil {
		t.Fatal(err)
	}
	var worst int
	for i, r := range d.Residuals {
		if r > d.Residuals[worst] {
			worst = i
		}
	}
	if worst != 15 {
		t.Errorf("largest residual at step %d (residuals %v), want 15 (the kick from x_15 to x_16)", worst, d.Residuals)
	}
}

func TestExactDMDZero(t *testing.T) {
	x := make([]float64, 3*4)
	x[2*4+1] = 2 // only the last state is non-zero: the snapshots X are zero
	d, err := ExactDMD(x, 3, 4, 0.99)
	if err != nil {
		t.Fatal(err)
	}
	if d.Rank != 0 || len(d.Eigenvalues) != 0 || d.Residuals[0] != 0 || d.Residuals[1] != 2 {
		t.Errorf("zero snapshots: %+v", d)
	}
}

func TestTruncationRank(t *testing.T) {
	s := []float64{3, 2, 1, 0} // energies 9, 4, 1: 9/14, 13/14, 1
	for _, tc := range []struct {
		e    float64
		want int
	}{{0.5, 1}, {0.9, 2}, {13.0 / 14, 2}, {0.99, 3}, {1, 3}} {
		if got := truncationRank(s, tc.e); got != tc.want {
			t.Errorf("energy %v: rank %d, want %d", tc.e, got, tc.want)
		}
	}
}
