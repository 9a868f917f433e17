package neuronfreq

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

func begin(t testing.TB, p, layers int, threshold float64) *Analyzer {
	t.Helper()
	a := New()
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: layers}, Settings: sdk.Params{"threshold": threshold},
		Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
	if err := a.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	return a
}

// neurons builds a [p², len(fns)] hook_post whose column n is fns[n](a, b).
func neurons(p int, fns []func(a, b int) float64) *sdk.Tensor {
	m := len(fns)
	d := make([]float32, p*p*m)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for n, f := range fns {
				d[(a*p+b)*m+n] = float32(f(a, b))
			}
		}
	}
	return sdk.FromFloat32(d, p*p, m)
}

func TestKnownFractions(t *testing.T) {
	const p = 23 // n_freq 11: low 1-3, mid 4-7, high 8-11
	w := func(k, x int) float64 { return 2 * math.Pi * float64(k*x%p) / p }
	relu := func(x float64) float64 { return math.Max(x, 0) }
	rng := rand.New(rand.NewPCG(21, 22))
	noise := make([]float64, p*p)
	for i := range noise {
		noise[i] = rng.NormFloat64()
	}
	fns := []func(a, b int) float64{
		func(a, b int) float64 { return 2 + math.Cos(w(2, a+b)) },                     // pure k=2: low
		func(a, b int) float64 { return math.Sin(w(5, a)) + math.Cos(w(5, b)) },       // pure k=5: mid
		func(a, b int) float64 { return math.Cos(w(9, a)) * math.Sin(w(9, b)) },       // pure k=9: high
		func(a, b int) float64 { return math.Cos(w(1, a)) + math.Cos(w(10, b)) },      // half 1, half 10
		func(a, b int) float64 { return 0 },                                           // dead neuron
		func(a, b int) float64 { return noise[a*p+b] },                                // noise: spread out
		func(a, b int) float64 { return relu(math.Cos(w(4, a)) + math.Cos(w(4, b))) }, // ReLU'd k=4: mostly k=4
	}
	want := map[int]map[int]float64{0: {2: 1}, 1: {5: 1}, 2: {9: 1}, 3: {1: 0.5, 10: 0.5}, 4: {}}
	a := begin(t, p, 1, 0.9)
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): neurons(p, fns)}})
	if err != nil {
		t.Fatal(err)
	}
	nm := res.Arrays["norm_matrix"]
	if nm.ShapeString() != "(11, 7)" || nm.DType() != sdk.Float32 {
		t.Fatalf("norm_matrix is %v", nm)
	}
	v := nm.Float32s()
	for n, ws := range want {
		for k := 1; k <= 11; k++ {
			if !scalar.EqualWithinAbsOrRel(float64(v[(k-1)*7+n]), ws[k], 1e-5, 1e-5) {
				t.Errorf("neuron %d, k=%d: %g, want %g", n, k, v[(k-1)*7+n], ws[k])
			}
		}
	}
	var noiseSum float64
	for k := 1; k <= 11; k++ {
		noiseSum += float64(v[(k-1)*7+5])
		if v[(k-1)*7+5] > 0.2 {
			t.Errorf("noise neuron has fraction %g at k=%d", v[(k-1)*7+5], k)
		}
	}
	// The blocks hold 8·11 of the p²-1 = 528 non-constant cells: noise puts about that share there.
	if noiseSum > 0.4 {
		t.Errorf("noise neuron: fractions sum to %g, expected near 88/528", noiseSum)
	}
	// ReLU of a k=4 sum: most variance stays at k=4 (enough to count as
	// specialized), the rest goes to harmonics and cross terms.
	if f := v[3*7+6]; f < 0.9 || f > 0.99 {
		t.Errorf("ReLU k=4 neuron: fraction at 4 = %g", f)
	}
	wantSummary := map[string][]int64{
		"specialized_per_freq": {0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0},
		"specialized_count":    {4}, "low_count": {1}, "mid_count": {2}, "high_count": {1},
	}
	for name, ws := range wantSummary {
		got := res.Summary[name].Int64s()
		if fmt.Sprint(got) != fmt.Sprint(ws) {
			t.Errorf("summary %s = %v, want %v", name, got, ws)
		}
	}
	if res.Summary["low_count"].Rank() != 0 {
		t.Errorf("low_count is %v, want a scalar", res.Summary["low_count"])
	}
}

func TestBands(t *testing.T) {
	for _, tc := range []struct{ nf, low, mid int }{{56, 18, 37}, {11, 3, 7}, {1, 0, 0}} {
		if l, m := Bands(tc.nf); l != tc.low || m != tc.mid {
			t.Errorf("Bands(%d) = %d, %d, want %d, %d", tc.nf, l, m, tc.low, tc.mid)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	basis := map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(5)}
	for _, tc := range []struct {
		name string
		run  *sdk.Run
		err  string
	}{
		{"no basis", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"threshold": 0.9}}, "fourier_basis"},
		{"threshold 0", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"threshold": 0.0}, Context: basis}, `"threshold" is 0`},
		{"threshold missing", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Context: basis}, `"threshold" is missing`},
		{"no layers", &sdk.Run{Settings: sdk.Params{"threshold": 0.9}, Context: basis}, "n_layers"},
	} {
		if err := New().Begin(ctx, tc.run); err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), Name) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.err)
		}
	}
	a := begin(t, 5, 1, 0.9)
	_, err := a.Analyze(ctx, &sdk.Checkpoint{Epoch: 40, Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): sdk.NewTensor(sdk.Float32, 24, 3)}})
	if err == nil || !strings.Contains(err.Error(), "epoch 40") || !strings.Contains(err.Error(), "blocks.0.mlp.hook_post") {
		t.Errorf("bad hook: err = %v", err)
	}
}

// BenchmarkAnalyze times one checkpoint; p = 113, d_mlp = 512 is the
// calibration model.
func BenchmarkAnalyze(b *testing.B) {
	for _, sz := range []struct{ p, dm int }{{59, 512}, {113, 128}, {113, 512}} {
		b.Run(fmt.Sprintf("p=%d/d_mlp=%d", sz.p, sz.dm), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			d := make([]float32, sz.p*sz.p*sz.dm)
			for i := range d {
				d[i] = float32(math.Max(rng.NormFloat64(), 0))
			}
			a := begin(b, sz.p, 1, 0.9)
			cp := &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): sdk.FromFloat32(d, sz.p*sz.p, sz.dm)}}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestThroughPlugin runs the analyzer through the real gRPC plugin path and
// checks it returns what the in-process call returns, summary included.
func TestThroughPlugin(t *testing.T) {
	const p, dm = 11, 9
	rng := rand.New(rand.NewPCG(41, 42))
	d := make([]float32, p*p*dm)
	for i := range d {
		d[i] = float32(math.Max(rng.NormFloat64(), 0))
	}
	cp := &sdk.Checkpoint{Epoch: 3, Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): sdk.FromFloat32(d, p*p, dm)}}
	want, err := begin(t, p, 1, 0.1).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"threshold": 0.1},
		Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, run, cp)
	sdktest.SameResult(t, want, got)
}

// TestManifest holds the analyzer to its analyzer.json: Info matches, the
// declared parameter defaults are accepted, and every returned array is
// declared with its dtype and rank.
func TestManifest(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/neuron_freq_norm/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	a := New()
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: m.Defaults(), Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(7)}}
	if err := a.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): sdk.NewTensor(sdk.Float32, 49, 4)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Arrays)+len(res.Summary) == 0 {
		t.Fatal("no arrays returned")
	}
	if err := m.CheckArrays(res.Arrays, false); err != nil {
		t.Error(err)
	}
	if err := m.CheckArrays(res.Summary, true); err != nil {
		t.Error(err)
	}
}
