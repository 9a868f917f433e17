package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// giniNaive is the defining double sum, to check the sorted formula against.
func giniNaive(x []float64) float64 {
	var num, sum float64
	for _, a := range x {
		sum += a
		for _, b := range x {
			num += math.Abs(a - b)
		}
	}
	if sum == 0 {
		return 0
	}
	return num / (2 * float64(len(x)) * sum)
}

func TestGiniKnown(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float64
		want float64
	}{
		{"empty", nil, 0},
		{"single", []float64{3}, 0},
		{"all zero", []float64{0, 0, 0}, 0},
		{"equal", []float64{2, 2, 2, 2}, 0},
		{"one holds all of 4", []float64{0, 0, 5, 0}, 0.75},
		{"one holds all of 100", append(make([]float64, 99), 1), 0.99},
		// Pairs |xi-xj| over ordered pairs: 2*(1+2+1)=8; 2*n*sum = 2*3*6 = 36.
		{"1 2 3", []float64{3, 1, 2}, 8.0 / 36},
		// Values 1..n have G = (n-1)/(3n): 3/12 for n = 4.
		{"1..4", []float64{4, 3, 2, 1}, 0.25},
	} {
		if got := Gini(tc.x); !scalar.EqualWithinAbsOrRel(got, tc.want, 1e-12, 1e-12) {
			t.Errorf("%s: Gini(%v) = %v, want %v", tc.name, tc.x, got, tc.want)
		}
	}
}

func TestGiniMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 7, 56, 113} {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.ExpFloat64()
		}
		orig := append([]float64(nil), x...)
		got, want := Gini(x), giniNaive(x)
		if !scalar.EqualWithinAbsOrRel(got, want, 1e-12, 1e-12) {
			t.Errorf("n=%d: Gini = %v, definition gives %v", n, got, want)
		}
		for i := range x {
			if x[i] != orig[i] {
				t.Fatalf("n=%d: Gini modified its input", n)
			}
		}
		// Scale invariance.
		for i := range x {
			x[i] *= 7.5
		}
		if g := Gini(x); !scalar.EqualWithinAbsOrRel(g, want, 1e-12, 1e-12) {
			t.Errorf("n=%d: Gini not scale invariant: %v vs %v", n, g, want)
		}
	}
}

func TestGiniPanics(t *testing.T) {
	for _, x := range [][]float64{{1, -1}, {math.NaN()}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Gini(%v) did not panic", x)
				}
			}()
			Gini(x)
		}()
	}
}

func TestParticipationRatioKnown(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    []float64
		want float64
	}{
		{"empty", nil, 0},
		{"zero", []float64{0, 0}, 0},
		{"rank one", []float64{5, 0, 0}, 1},
		{"flat 4", []float64{2, 2, 2, 2}, 4},
		// (3+4)^2/(9+16) = 49/25.
		{"3 4", []float64{3, 4}, 49.0 / 25},
		// (4+2+1)^2/(16+4+1) = 49/21.
		{"4 2 1", []float64{4, 2, 1}, 49.0 / 21},
	} {
		if got := ParticipationRatio(tc.s); !scalar.EqualWithinAbsOrRel(got, tc.want, 1e-12, 1e-12) {
			t.Errorf("%s: ParticipationRatio(%v) = %v, want %v", tc.name, tc.s, got, tc.want)
		}
	}
}

func TestParticipationRatioPanics(t *testing.T) {
	for _, s := range [][]float64{{1, -1}, {math.NaN()}, {math.Inf(1)}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ParticipationRatio(%v) did not panic", s)
				}
			}()
			ParticipationRatio(s)
		}()
	}
}
