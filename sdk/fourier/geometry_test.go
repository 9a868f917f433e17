package fourier

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

func eq(a, b, tol float64) bool { return scalar.EqualWithinAbsOrRel(a, b, tol, tol) }

func TestAlignment(t *testing.T) {
	const n = 113
	angles := make([]float64, n)
	for _, tc := range []struct{ step, k int }{{14, 14}, {1, 1}, {113 - 35, 35}, {56, 56}} {
		for r := range angles {
			angles[r] = 0.7 + 2*math.Pi*float64(tc.step*r%n)/n
		}
		s, k := Alignment(angles)
		if !eq(s, 1, 1e-12) || k != tc.k {
			t.Errorf("step %d: alignment %v at k = %d, want 1 at %d", tc.step, s, k, tc.k)
		}
	}
	rng := rand.New(rand.NewPCG(51, 52))
	for r := range angles {
		angles[r] = 2 * math.Pi * rng.Float64()
	}
	// For uniform random angles each A_k is about 1/n; the largest of 112 stays well below 0.1.
	if s, _ := Alignment(angles); s > 0.1 {
		t.Errorf("random angles: alignment %v", s)
	}
	if s, k := Alignment([]float64{1}); s != 0 || k != 0 {
		t.Errorf("one angle: %v, %d", s, k)
	}
}

func TestDominantAndGroups(t *testing.T) {
	// n_freq 3, 6 columns: [k-1, c].
	frac := []float32{
		0.9, 0.1, 0, 0.5, 0.2, 0.1,
		0.05, 0.8, 0, 0.5, 0.7, 0.1,
		0.05, 0.1, 0, 0, 0.1, 0.8,
	}
	dom, best := make([]int, 6), make([]float32, 6)
	Dominant(dom, best, frac, 3, 6)
	if want := []int{1, 2, 0, 1, 2, 3}; !equalInts(dom, want) {
		t.Errorf("dominant %v, want %v (ties to the lower k, dead column 0)", dom, want)
	}
	if best[0] != 0.9 || best[2] != 0 || best[3] != 0.5 {
		t.Errorf("best %v", best)
	}
	groups, idx := GroupByFrequency(dom, 3, 2)
	if len(groups) != 2 || groups[0].Freq != 1 || !equalInts(groups[0].Members, []int{0, 3}) || groups[1].Freq != 2 || !equalInts(groups[1].Members, []int{1, 4}) {
		t.Errorf("groups %+v", groups)
	}
	if want := []int{0, 1, -1, 0, 1, -1}; !equalInts(idx, want) {
		t.Errorf("index %v, want %v", idx, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPairPolar: a signal a·cos(2πkx/p + φ) transforms to magnitude a·√(p/2)
// and phase φ at k, nothing elsewhere, whatever quadrant φ is in.
func TestPairPolar(t *testing.T) {
	const p = 13
	tr := NewTransformer(Basis(p), p)
	phis := []float64{0.4, 2.5, -2.0, -0.3} // one per quadrant
	const m = 4
	x := make([]float64, p*m)
	for c, phi := range phis {
		for xx := 0; xx < p; xx++ {
			x[xx*m+c] = 2 + 1.5*math.Cos(2*math.Pi*float64(3*xx%p)/p+phi)
		}
	}
	coef := make([]float64, p*m)
	tr.Transform1D(coef, x, m)
	nf := NumFreq(p)
	mag, phase := make([]float64, m*nf), make([]float64, m*nf)
	PairPolar(mag, phase, coef, p, m)
	for c, phi := range phis {
		for k := 1; k <= nf; k++ {
			wantMag := 0.0
			if k == 3 {
				wantMag = 1.5 * math.Sqrt(p/2.0)
				if !eq(phase[c*nf+k-1], phi, 1e-12) {
					t.Errorf("signal %d: phase %v, want %v", c, phase[c*nf+k-1], phi)
				}
			}
			if !eq(mag[c*nf+k-1], wantMag, 1e-12) {
				t.Errorf("signal %d, k=%d: magnitude %v, want %v", c, k, mag[c*nf+k-1], wantMag)
			}
		}
	}
	band := make([]float64, nf)
	BandEnergies(band, coef, p, m)
	for k := 1; k <= nf; k++ {
		want := 0.0
		if k == 3 {
			want = m * 1.5 * 1.5 * p / 2
		}
		if !eq(band[k-1], want, 1e-12) {
			t.Errorf("band %d: %v, want %v", k, band[k-1], want)
		}
	}
}
