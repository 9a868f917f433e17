package coarse

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

func run(p int, nLow int, blob float64) *sdk.Run {
	return &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"n_low_freqs": int64(nLow), "blob_threshold": blob},
		Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
}

func begin(t testing.TB, p, nLow int, blob float64) *Analyzer {
	t.Helper()
	a := New()
	if err := a.Begin(context.Background(), run(p, nLow, blob)); err != nil {
		t.Fatal(err)
	}
	return a
}

// grids builds hook_post [p², len(fns)] from per-neuron functions of (a, b).
func grids(p int, fns []func(a, b int) float64) *sdk.Tensor {
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

func TestKnownCoarseness(t *testing.T) {
	const p = 17
	w := func(k, x int) float64 { return 2 * math.Pi * float64(k*x%p) / p }
	fns := []func(a, b int) float64{
		func(a, b int) float64 { return math.Cos(w(1, a+b)) },                   // blob: all at k=1
		func(a, b int) float64 { return math.Sin(w(3, a)) },                     // all at k=3: still low
		func(a, b int) float64 { return math.Cos(w(7, a)) * math.Cos(w(7, b)) }, // plaid: k=7
		func(a, b int) float64 { return math.Cos(w(2, a)) + math.Cos(w(8, b)) }, // half low
		func(a, b int) float64 { return 5 },                                     // dead: 0
	}
	want := []float64{1, 1, 0, 0.5, 0}
	a := begin(t, p, 3, 0.7)
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): grids(p, fns)}})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Arrays["coarseness"]
	if c.ShapeString() != "(5,)" || c.DType() != sdk.Float32 {
		t.Fatalf("coarseness is %v", c)
	}
	for n, v := range c.Float32s() {
		if !scalar.EqualWithinAbsOrRel(float64(v), want[n], 1e-5, 1e-5) {
			t.Errorf("neuron %d: coarseness %g, want %g", n, v, want[n])
		}
	}
	// Sorted: 0 0 0.5 1 1 → mean 0.5, median 0.5, p25 0, p75 1, std sqrt(0.2).
	for name, w := range map[string]float64{"mean_coarseness": 0.5, "median_coarseness": 0.5, "p25_coarseness": 0,
		"p75_coarseness": 1, "std_coarseness": math.Sqrt(0.2)} {
		if g := res.Summary[name].Float64s()[0]; !scalar.EqualWithinAbsOrRel(g, w, 1e-6, 1e-6) {
			t.Errorf("%s = %g, want %g", name, g, w)
		}
	}
	if g := res.Summary["blob_count"].Int64s()[0]; g != 2 {
		t.Errorf("blob_count = %d, want 2", g)
	}
	wantHist := make([]int64, HistBins)
	wantHist[0], wantHist[10], wantHist[19] = 2, 1, 2
	if g := res.Summary["coarseness_hist"].Int64s(); fmt.Sprint(g) != fmt.Sprint(wantHist) {
		t.Errorf("coarseness_hist = %v, want %v", g, wantHist)
	}
}

func TestQuantile(t *testing.T) {
	s := []float64{1, 2, 3, 4, 10}
	for _, tc := range []struct{ q, want float64 }{{0, 1}, {0.25, 2}, {0.5, 3}, {0.6, 3.4}, {0.9, 7.6}, {1, 10}} {
		if g := Quantile(s, tc.q); !scalar.EqualWithinAbsOrRel(g, tc.want, 1e-12, 1e-12) {
			t.Errorf("Quantile(%g) = %g, want %g", tc.q, g, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		run  *sdk.Run
		err  string
	}{
		{"n_low 0", run(7, 0, 0.7), `"n_low_freqs" is 0`},
		{"n_low too big", run(7, 4, 0.7), "want 1..3"},
		{"blob", run(7, 3, 1.5), `"blob_threshold" is 1.5`},
		{"missing", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Context: run(7, 1, 1).Context}, `"n_low_freqs" is missing`},
	} {
		if err := New().Begin(ctx, tc.run); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.err)
		}
	}
	_, err := begin(t, 7, 3, 0.7).Analyze(ctx, &sdk.Checkpoint{Epoch: 2, Hooks: map[string]*sdk.Tensor{}})
	if err == nil || !strings.Contains(err.Error(), "epoch 2: hook blocks.0.mlp.hook_post missing") {
		t.Errorf("missing hook: err = %v", err)
	}
}

// TestThroughPlugin runs the analyzer through the real gRPC plugin path and
// checks it returns what the in-process call returns.
func TestThroughPlugin(t *testing.T) {
	const p, dm = 11, 12
	rng := rand.New(rand.NewPCG(51, 52))
	d := make([]float32, p*p*dm)
	for i := range d {
		d[i] = float32(math.Max(rng.NormFloat64(), 0))
	}
	cp := &sdk.Checkpoint{Epoch: 3, Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): sdk.FromFloat32(d, p*p, dm)}}
	want, err := begin(t, p, 2, 0.1).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, run(p, 2, 0.1), cp)
	sdktest.SameResult(t, want, got)
}

// BenchmarkAnalyze times one checkpoint; p = 113, d_mlp = 512 is the
// calibration model.
func BenchmarkAnalyze(b *testing.B) {
	for _, sz := range []struct{ p, dm int }{{59, 512}, {113, 512}} {
		b.Run(fmt.Sprintf("p=%d/d_mlp=%d", sz.p, sz.dm), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			d := make([]float32, sz.p*sz.p*sz.dm)
			for i := range d {
				d[i] = float32(math.Max(rng.NormFloat64(), 0))
			}
			a := begin(b, sz.p, 3, 0.7)
			cp := &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{fourier.NeuronHook(0): sdk.FromFloat32(d, sz.p*sz.p, sz.dm)}}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestManifest holds the analyzer to its analyzer.json: Info matches, the
// declared parameter defaults are accepted, and every returned array is
// declared with its dtype and rank.
func TestManifest(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/coarseness/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	a := New()
	r := run(7, 1, 0)
	r.Settings = m.Defaults()
	if err := a.Begin(context.Background(), r); err != nil {
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
