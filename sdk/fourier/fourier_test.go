package fourier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestBasisOrthonormal(t *testing.T) {
	for _, p := range []int{3, 5, 7, 31, 113} {
		b := Basis(p)
		for i := 0; i < p; i++ {
			for j := 0; j < p; j++ {
				var d float64
				for x := 0; x < p; x++ {
					d += b[i*p+x] * b[j*p+x]
				}
				want := 0.0
				if i == j {
					want = 1
				}
				if !scalar.EqualWithinAbsOrRel(d, want, 1e-12, 1e-12) {
					t.Fatalf("p=%d: <row %d, row %d> = %g, want %g", p, i, j, d, want)
				}
			}
		}
	}
}

func TestBasisLayout(t *testing.T) {
	const p = 7
	b := Basis(p)
	s := math.Sqrt(2.0 / p)
	for k := 1; k <= NumFreq(p); k++ {
		for x := 0; x < p; x++ {
			th := 2 * math.Pi * float64(k*x) / p
			if !scalar.EqualWithinAbsOrRel(b[(2*k-1)*p+x], s*math.Cos(th), 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(b[2*k*p+x], s*math.Sin(th), 1e-12, 1e-12) {
				t.Fatalf("k=%d x=%d: rows %d,%d are not cos,sin", k, x, 2*k-1, 2*k)
			}
		}
	}
	for i, want := range []int{0, 1, 1, 2, 2, 3, 3} {
		if Freq(i) != want {
			t.Errorf("Freq(%d) = %d, want %d", i, Freq(i), want)
		}
	}
}

func TestBasisPanics(t *testing.T) {
	for _, p := range []int{-1, 0, 1, 2, 4, 112} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Basis(%d) did not panic", p)
				}
			}()
			Basis(p)
		}()
	}
}

func TestFromTensor(t *testing.T) {
	swapped := Basis(5)
	for x := 0; x < 5; x++ { // sin-then-cos, the Python reference project's order
		swapped[5+x], swapped[10+x] = swapped[10+x], swapped[5+x]
	}
	tests := []struct {
		name string
		t    *sdk.Tensor
		err  string
	}{
		{"ok", BasisTensor(113), ""},
		{"missing", nil, "missing"},
		{"float32", sdk.NewTensor(sdk.Float32, 5, 5), "want float64"},
		{"not square", sdk.NewTensor(sdk.Float64, 5, 4), "want float64"},
		{"even", sdk.NewTensor(sdk.Float64, 4, 4), "odd"},
		{"sin first", sdk.FromFloat64(swapped, 5, 5), "element [1, 0]"},
		{"zeros", sdk.NewTensor(sdk.Float64, 5, 5), "row"},
	}
	for _, tc := range tests {
		b, p, err := FromTensor(tc.t)
		if tc.err == "" {
			if err != nil || p != 113 || len(b) != 113*113 {
				t.Errorf("%s: p=%d err=%v", tc.name, p, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "fourier_basis") {
			t.Errorf("%s: err = %v, want one naming fourier_basis and containing %q", tc.name, err, tc.err)
		}
	}
}

// naive2D is F·G·Fᵀ written out, for grid c of src laid out [p, p, m].
func naive2D(f, src []float64, p, m, c int) []float64 {
	out := make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			var s float64
			for a := 0; a < p; a++ {
				for b := 0; b < p; b++ {
					s += f[i*p+a] * f[j*p+b] * src[(a*p+b)*m+c]
				}
			}
			out[i*p+j] = s
		}
	}
	return out
}

func TestTransform2DMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ p, m int }{{3, 1}, {5, 4}, {7, 3}, {11, 9}} {
		f := Basis(tc.p)
		src := make([]float64, tc.p*tc.p*tc.m)
		for i := range src {
			src[i] = rng.NormFloat64()
		}
		dst := make([]float64, len(src))
		NewTransformer(f, tc.p).Transform2D(dst, src, tc.m)
		for c := 0; c < tc.m; c++ {
			want := naive2D(f, src, tc.p, tc.m, c)
			for ij, w := range want {
				if got := dst[ij*tc.m+c]; !scalar.EqualWithinAbsOrRel(got, w, 1e-12, 1e-12) {
					t.Fatalf("p=%d m=%d grid %d cell %d: got %g, want %g", tc.p, tc.m, c, ij, got, w)
				}
			}
		}
	}
}

func TestTransform1D(t *testing.T) {
	const p, m = 7, 2
	f := Basis(p)
	src := make([]float64, p*m)
	for x := 0; x < p; x++ { // column 0: cos 3x, column 1: constant 2
		src[x*m] = math.Cos(2 * math.Pi * 3 * float64(x) / p)
		src[x*m+1] = 2
	}
	dst := make([]float64, p*m)
	NewTransformer(f, p).Transform1D(dst, src, m)
	norms := make([]float64, p)
	for i := 0; i < p; i++ {
		norms[i] = math.Abs(dst[i*m])
	}
	// ||cos 3x||² = p/2, all of it on row 5 (cos 3).
	for i, v := range norms {
		want := 0.0
		if i == 5 {
			want = math.Sqrt(p / 2.0)
		}
		if !scalar.EqualWithinAbsOrRel(v, want, 1e-12, 1e-12) {
			t.Errorf("cos 3x: |coef[%d]| = %g, want %g", i, v, want)
		}
	}
	if !scalar.EqualWithinAbsOrRel(dst[1], 2*math.Sqrt(p), 1e-12, 1e-12) {
		t.Errorf("constant 2: coef[0] = %g, want %g", dst[1], 2*math.Sqrt(p))
	}
}

// wave builds m grids [p², m]; grid c is fn(c, a, b).
func wave(p, m int, fn func(c, a, b int) float64) []float64 {
	g := make([]float64, p*p*m)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for c := 0; c < m; c++ {
				g[(a*p+b)*m+c] = fn(c, a, b)
			}
		}
	}
	return g
}

func TestGridFractionsKnownAnswers(t *testing.T) {
	const p = 13
	w := func(k, x int) float64 { return 2 * math.Pi * float64(k*x) / p }
	tests := []struct {
		name string
		fn   func(a, b int) float64
		want map[int]float64 // frequency → fraction; others 0
	}{
		{"cos k(a+b), k=3", func(a, b int) float64 { return math.Cos(w(3, a+b)) }, map[int]float64{3: 1}},
		{"sin 5a only", func(a, b int) float64 { return 7 + math.Sin(w(5, a)) }, map[int]float64{5: 1}},
		{"cos 2a cos 2b + 1", func(a, b int) float64 { return 1 + math.Cos(w(2, a))*math.Cos(w(2, b)) }, map[int]float64{2: 1}},
		{"equal mix 1 and 4", func(a, b int) float64 { return math.Cos(w(1, a)) + math.Sin(w(4, b)) }, map[int]float64{1: 0.5, 4: 0.5}},
		{"cross frequencies", func(a, b int) float64 { return math.Cos(w(1, a)) * math.Cos(w(2, b)) }, map[int]float64{}},
		{"constant", func(a, b int) float64 { return 3 }, map[int]float64{}},
	}
	const m = 1
	f := Basis(p)
	tr := NewTransformer(f, p)
	for _, tc := range tests {
		g := wave(p, m, func(_, a, b int) float64 { return tc.fn(a, b) })
		frac := make([]float64, NumFreq(p))
		GridFractions(tr, frac, nil, g, m)
		for k := 1; k <= NumFreq(p); k++ {
			if !scalar.EqualWithinAbsOrRel(frac[k-1], tc.want[k], 1e-9, 1e-9) {
				t.Errorf("%s: fraction at k=%d = %g, want %g", tc.name, k, frac[k-1], tc.want[k])
			}
		}
	}
}

// TestGridFractionsChunks checks that chunking over columns (m > gridChunk) and
// float32 input give the same fractions as one direct float64 pass.
func TestGridFractionsChunks(t *testing.T) {
	const p, m = 11, gridChunk + 7
	rng := rand.New(rand.NewPCG(3, 4))
	g := make([]float64, p*p*m)
	g32 := make([]float32, len(g))
	for i := range g {
		g32[i] = float32(rng.NormFloat64())
		g[i] = float64(g32[i])
	}
	tr := NewTransformer(Basis(p), p)
	coef := make([]float64, len(g))
	tr.Transform2D(coef, g, m)
	want := make([]float64, NumFreq(p)*m)
	wantTot := make([]float64, m)
	FreqEnergies(want, wantTot, coef, p, m)
	Fractions(want, wantTot)
	got := make([]float64, len(want))
	gotTot := make([]float64, m)
	GridFractions(tr, got, gotTot, g32, m)
	for i := range want {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], 1e-12, 1e-12) {
			t.Fatalf("fraction %d: got %g, want %g", i, got[i], want[i])
		}
	}
	for c := range wantTot {
		if !scalar.EqualWithinAbsOrRel(gotTot[c], wantTot[c], 1e-12, 1e-12) {
			t.Fatalf("total %d: got %g, want %g", c, gotTot[c], wantTot[c])
		}
	}
}

// BenchmarkGridFractions runs the neuron_freq_norm workload, m = d_mlp grids
// of p×p (p = 113, d_mlp = 512 is the calibration model), two ways: "blocks"
// is GridFractions (BlockEnergies), "full" forms every coefficient with
// Transform2D first. The ratio full/blocks is what skipping the off-block
// coefficients buys.
func BenchmarkGridFractions(b *testing.B) {
	for _, sz := range []struct{ p, m int }{{31, 128}, {59, 512}, {113, 128}, {113, 512}} {
		rng := rand.New(rand.NewPCG(5, 6))
		g := make([]float32, sz.p*sz.p*sz.m)
		g64 := make([]float64, len(g))
		for i := range g {
			g[i] = float32(rng.NormFloat64())
			g64[i] = float64(g[i])
		}
		tr := NewTransformer(Basis(sz.p), sz.p)
		frac := make([]float64, NumFreq(sz.p)*sz.m)
		tot := make([]float64, sz.m)
		coef := make([]float64, len(g))
		b.Run(fmt.Sprintf("blocks/p=%d/m=%d", sz.p, sz.m), func(b *testing.B) {
			for b.Loop() {
				GridFractions(tr, frac, nil, g, sz.m)
			}
		})
		b.Run(fmt.Sprintf("full/p=%d/m=%d", sz.p, sz.m), func(b *testing.B) {
			for b.Loop() {
				tr.Transform2D(coef, g64, sz.m)
				FreqEnergies(frac, tot, coef, sz.p, sz.m)
			}
		})
	}
}

func TestNeuronFractionsLayers(t *testing.T) {
	const p, dm = 7, 3
	w := func(k, x int) float64 { return 2 * math.Pi * float64(k*x) / p }
	// Layer 0 neuron n is a pure frequency n+1 wave; layer 1 neuron n is frequency 3-n.
	hooks := map[string]*sdk.Tensor{}
	for l := 0; l < 2; l++ {
		d := make([]float32, p*p*dm)
		for a := 0; a < p; a++ {
			for b := 0; b < p; b++ {
				for n := 0; n < dm; n++ {
					k := n + 1
					if l == 1 {
						k = 3 - n
					}
					d[(a*p+b)*dm+n] = float32(math.Cos(w(k, a+b)))
				}
			}
		}
		hooks[NeuronHook(l)] = sdk.FromFloat32(d, p*p, dm)
	}
	tr := NewTransformer(Basis(p), p)
	frac, total, got, err := NeuronFractions(tr, hooks, 2)
	if err != nil || got != dm {
		t.Fatal(got, err)
	}
	for col := 0; col < 2*dm; col++ {
		k := col%dm + 1
		if col >= dm {
			k = 3 - col%dm
		}
		for f := 1; f <= NumFreq(p); f++ {
			want := 0.0
			if f == k {
				want = 1
			}
			if !scalar.EqualWithinAbsOrRel(frac[(f-1)*2*dm+col], want, 1e-6, 1e-6) {
				t.Errorf("neuron %d freq %d: %g, want %g", col, f, frac[(f-1)*2*dm+col], want)
			}
		}
		if !scalar.EqualWithinAbsOrRel(total[col], p*p/2.0, 1e-5, 1e-5) {
			t.Errorf("neuron %d: total %g, want %g", col, total[col], p*p/2.0)
		}
	}
	delete(hooks, NeuronHook(1))
	if _, _, _, err := NeuronFractions(tr, hooks, 2); err == nil || !strings.Contains(err.Error(), "blocks.1.mlp.hook_post missing") {
		t.Errorf("missing layer: err = %v", err)
	}
	hooks[NeuronHook(1)] = sdk.NewTensor(sdk.Float32, p*p-1, dm)
	if _, _, _, err := NeuronFractions(tr, hooks, 2); err == nil || !strings.Contains(err.Error(), "want (p² = 49, d_mlp)") {
		t.Errorf("bad batch: err = %v", err)
	}
}
