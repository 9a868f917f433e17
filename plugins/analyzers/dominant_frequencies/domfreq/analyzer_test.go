package domfreq

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

func begin(t *testing.T, p int) *Analyzer {
	t.Helper()
	a := New()
	run := &sdk.Run{Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
	if err := a.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestKnownSpectrum builds W_E whose column j is a known mix of basis rows, so
// that each coefficient's norm is known in closed form; the extra row p (the
// "=" token) holds noise that must not leak in.
func TestKnownSpectrum(t *testing.T) {
	const p, d = 11, 3
	f := fourier.Basis(p)
	// Column 0: 3·(cos 2); column 1: 4·(sin 2); column 2: 2·(constant) + 1·(cos 5).
	we := make([]float32, (p+1)*d)
	rng := rand.New(rand.NewPCG(7, 8))
	for x := 0; x < p; x++ {
		we[x*d+0] = float32(3 * f[3*p+x])
		we[x*d+1] = float32(4 * f[4*p+x])
		we[x*d+2] = float32(2*f[x] + f[9*p+x])
	}
	for j := 0; j < d; j++ {
		we[p*d+j] = float32(rng.NormFloat64() * 100)
	}
	want := make([]float64, p)
	want[0], want[3], want[4], want[9] = 2, 3, 4, 1
	a := begin(t, p)
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Epoch: 5, Weights: map[string]*sdk.Tensor{WeightName: sdk.FromFloat32(we, p+1, d)}})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Arrays["coefficients"]
	if c.DType() != sdk.Float32 || c.ShapeString() != "(11,)" {
		t.Fatalf("coefficients is %v", c)
	}
	for i, v := range c.Float32s() {
		if !scalar.EqualWithinAbsOrRel(float64(v), want[i], 1e-5, 1e-5) {
			t.Errorf("coefficients[%d] = %g, want %g", i, v, want[i])
		}
	}
}

func TestErrors(t *testing.T) {
	const p = 5
	tests := []struct {
		name    string
		weights map[string]*sdk.Tensor
		err     string
	}{
		{"missing", map[string]*sdk.Tensor{}, "embed.W_E missing"},
		{"too few rows", map[string]*sdk.Tensor{WeightName: sdk.NewTensor(sdk.Float32, p-1, 4)}, "shape (4, 4)"},
		{"rank 1", map[string]*sdk.Tensor{WeightName: sdk.NewTensor(sdk.Float32, 20)}, "shape (20,)"},
	}
	a := begin(t, p)
	for _, tc := range tests {
		_, err := a.Analyze(context.Background(), &sdk.Checkpoint{Epoch: 3, Weights: tc.weights})
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), Name) {
			t.Errorf("%s: err = %v, want one naming %s and containing %q", tc.name, err, Name, tc.err)
		}
	}
	if err := New().Begin(context.Background(), &sdk.Run{}); err == nil || !strings.Contains(err.Error(), "fourier_basis") {
		t.Errorf("Begin without basis: err = %v", err)
	}
	if _, err := New().Analyze(context.Background(), &sdk.Checkpoint{}); err == nil {
		t.Error("Analyze before Begin: no error")
	}
}

// BenchmarkAnalyze times one checkpoint at the calibration size (p = 113,
// d_model = 128).
func BenchmarkAnalyze(b *testing.B) {
	for _, sz := range []struct{ p, d int }{{59, 128}, {113, 128}, {113, 512}} {
		b.Run(strings.ReplaceAll(sdk.ShapeString([]int{sz.p, sz.d}), " ", ""), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			we := make([]float32, (sz.p+1)*sz.d)
			for i := range we {
				we[i] = float32(rng.NormFloat64())
			}
			a := New()
			if err := a.Begin(context.Background(), &sdk.Run{Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(sz.p)}}); err != nil {
				b.Fatal(err)
			}
			cp := &sdk.Checkpoint{Weights: map[string]*sdk.Tensor{WeightName: sdk.FromFloat32(we, sz.p+1, sz.d)}}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestThroughPlugin runs the analyzer through the real gRPC plugin path and
// checks it returns what the in-process call returns.
func TestThroughPlugin(t *testing.T) {
	const p, d = 13, 6
	rng := rand.New(rand.NewPCG(31, 32))
	we := make([]float32, (p+1)*d)
	for i := range we {
		we[i] = float32(rng.NormFloat64())
	}
	cp := &sdk.Checkpoint{Epoch: 100, Weights: map[string]*sdk.Tensor{WeightName: sdk.FromFloat32(we, p+1, d)}}
	want, err := begin(t, p).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, &sdk.Run{Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}, cp)
	sdktest.SameResult(t, want, got)
}

// TestManifest holds the analyzer to its analyzer.json: Info matches, the
// declared parameter defaults are accepted, and every returned array is
// declared with its dtype and rank.
func TestManifest(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/dominant_frequencies/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	a := New()
	if err := a.Begin(context.Background(), &sdk.Run{Settings: m.Defaults(), Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(7)}}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Weights: map[string]*sdk.Tensor{WeightName: sdk.NewTensor(sdk.Float32, 8, 3)}})
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
