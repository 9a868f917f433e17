package reprgeom

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
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

func eq(a, b, tol float64) bool { return scalar.EqualWithinAbsOrRel(a, b, tol, tol) }

// grid returns the modular-addition labels (a+b) mod p of the p² probe rows.
func grid(p int) *sdk.Tensor {
	l := make([]int64, p*p)
	for i := range l {
		l[i] = int64((i/p + i%p) % p)
	}
	return sdk.FromInt64(l, p*p)
}

// ring places each row on a circle in a random plane of d dimensions, at the
// angle 2π·k·label/p, around a random centre, plus Gaussian noise.
func ring(rng *rand.Rand, labels []int64, p, d, k int, noise float64) []float32 {
	u, v, c := make([]float64, d), make([]float64, d), make([]float64, d)
	for j := range u {
		u[j], v[j], c[j] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
	}
	// Gram-Schmidt: the plane's axes are orthonormal.
	normalize := func(a []float64) {
		var s float64
		for _, x := range a {
			s += x * x
		}
		for j := range a {
			a[j] /= math.Sqrt(s)
		}
	}
	normalize(u)
	var dot float64
	for j := range u {
		dot += u[j] * v[j]
	}
	for j := range v {
		v[j] -= dot * u[j]
	}
	normalize(v)
	x := make([]float32, len(labels)*d)
	for i, l := range labels {
		th := 2 * math.Pi * float64(k*int(l)%p) / float64(p)
		for j := 0; j < d; j++ {
			x[i*d+j] = float32(c[j] + 4*(math.Cos(th)*u[j]+math.Sin(th)*v[j]) + noise*rng.NormFloat64())
		}
	}
	return x
}

// checkpoint builds the four sites at p: resid_pre identical for every row (as
// in the 1-layer model), attn_out a random cloud, mlp_out (16 wide, ReLU'd
// noise) unrelated to the classes, resid_post a noisy ring at frequency k.
func checkpoint(rng *rand.Rand, p, d, k int) *sdk.Checkpoint {
	labels := grid(p).Int64s()
	pre := make([]float32, p*p*d)
	for i := range pre {
		pre[i] = float32(i%d) * 0.1
	}
	cloud := make([]float32, p*p*d)
	for i := range cloud {
		cloud[i] = float32(rng.NormFloat64())
	}
	mlp := make([]float32, p*p*16)
	for i := range mlp {
		mlp[i] = float32(math.Max(rng.NormFloat64(), 0))
	}
	return &sdk.Checkpoint{Epoch: 7, Hooks: map[string]*sdk.Tensor{
		"blocks.0.hook_resid_pre":  sdk.FromFloat32(pre, p*p, d),
		"blocks.0.hook_attn_out":   sdk.FromFloat32(cloud, p*p, d),
		"blocks.0.mlp.hook_post":   sdk.FromFloat32(mlp, p*p, 16),
		"blocks.0.hook_resid_post": sdk.FromFloat32(ring(rng, labels, p, d, k, 0.3), p*p, d),
	}}
}

func begin(t testing.TB, p int) *Analyzer {
	t.Helper()
	a := New()
	if err := a.Begin(context.Background(), &sdk.Run{Context: map[string]*sdk.Tensor{"labels": grid(p)}}); err != nil {
		t.Fatal(err)
	}
	return a
}

func scalarOf(t *testing.T, res *sdk.Result, name string) float64 {
	t.Helper()
	v := res.Arrays[name]
	if v == nil || v.Rank() != 0 {
		t.Fatalf("%s is %v, want a scalar", name, v)
	}
	return v.AsFloat64()[0]
}

// TestKnownGeometry: a ring of classes at frequency k is circular and aligned
// at k; a random cloud and unrelated ReLU noise are neither; identical rows
// (resid_pre of the 1-layer model) have zero radius, spread and scores.
func TestKnownGeometry(t *testing.T) {
	const p, d, k = 23, 24, 5
	rng := rand.New(rand.NewPCG(61, 62))
	res, err := begin(t, p).Analyze(context.Background(), checkpoint(rng, p, d, k))
	if err != nil {
		t.Fatal(err)
	}
	// The centroids carry noise of about 0.3 (σ/√p per axis over 24 axes),
	// which takes a little of the variance out of the plane.
	if c := scalarOf(t, res, "resid_post_circularity"); c < 0.95 {
		t.Errorf("ring: circularity %v, want ≈ 1", c)
	}
	if a := scalarOf(t, res, "resid_post_fourier_alignment"); a < 0.98 {
		t.Errorf("ring: alignment %v, want ≈ 1", a)
	}
	if f := scalarOf(t, res, "resid_post_fourier_alignment_freq"); f != k {
		t.Errorf("ring: alignment frequency %v, want %d", f, k)
	}
	// Each class is 23 rows of 24-dimensional noise of σ = 0.3: radius ≈ 0.3·√24,
	// dimensionality close to (but below, from sampling) 24; centroids on a
	// circle of radius 4: spread ≈ 4.
	if r := scalarOf(t, res, "resid_post_mean_radius"); !eq(r, 0.3*math.Sqrt(24), 0.05) {
		t.Errorf("ring: mean radius %v, want ≈ %v", r, 0.3*math.Sqrt(24))
	}
	if s := scalarOf(t, res, "resid_post_center_spread"); !eq(s, 4, 0.03) {
		t.Errorf("ring: centre spread %v, want ≈ 4", s)
	}
	if dim := scalarOf(t, res, "resid_post_mean_dim"); dim < 8 || dim > 24 {
		t.Errorf("ring: mean dimensionality %v", dim)
	}
	// The nearest classes on a ring at step k are those k⁻¹ apart in r
	// (k·r ≡ ±1): for k = 5 mod 23, 5·14 = 70 ≡ 1, so distance 9 (= 23-14).
	if diff := scalarOf(t, res, "resid_post_fisher_argmin_diff"); diff != 9 {
		t.Errorf("ring: least separated pair at distance %v, want 9", diff)
	}
	for _, site := range []string{"attn_out", "mlp_out"} {
		if c := scalarOf(t, res, site+"_circularity"); c > 0.2 {
			t.Errorf("%s: circularity %v, want low", site, c)
		}
		if a := scalarOf(t, res, site+"_fourier_alignment"); a > 0.5 {
			t.Errorf("%s: alignment %v, want low", site, a)
		}
	}
	for _, n := range []string{"mean_radius", "center_spread", "snr", "circularity", "fourier_alignment", "fisher_mean", "mean_dim"} {
		if v := scalarOf(t, res, "resid_pre_"+n); v != 0 {
			t.Errorf("resid_pre (identical rows): %s = %v, want 0", n, v)
		}
	}
	if v := scalarOf(t, res, "resid_pre_fisher_argmin_r"); v != -1 {
		t.Errorf("resid_pre: argmin %v, want -1", v)
	}
	if c := res.Arrays["mlp_out_centroids"]; c.ShapeString() != "(23, 16)" || c.DType() != sdk.Float64 {
		t.Errorf("mlp_out_centroids is %v", c)
	}
	if v := res.Summary["resid_post_pca_var_pc1"].AsFloat64()[0] + res.Summary["resid_post_pca_var_pc2"].AsFloat64()[0]; v < 0.99 {
		t.Errorf("ring: top two PCA variance fractions sum to %v", v)
	}
}

// TestCentroidsFloat64: float32 rows whose mean needs float64 accumulation
// (a large offset plus small class signals: summed in float32, 101 rows of
// about 1e4 round at every step once the sum passes 1e6, where float32's
// spacing is 0.0625) get centroids exact to float64 rounding.
func TestCentroidsFloat64(t *testing.T) {
	const p = 101
	labels := grid(p).Int64s()
	x := make([]float32, p*p)
	for i, l := range labels {
		x[i] = 1e4 + float32(l) + 0.1*float32(i%3)
	}
	g, err := Measure(x, 1, toInts(labels), p)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < p; c++ {
		var want float64
		for i, l := range labels {
			if int(l) == c {
				want += float64(x[i]) / p
			}
		}
		if !eq(g.Centroids[c], want, 1e-12) {
			t.Errorf("centroid %d = %v, want %v", c, g.Centroids[c], want)
		}
	}
}

func toInts(l []int64) []int {
	out := make([]int, len(l))
	for i, v := range l {
		out[i] = int(v)
	}
	return out
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	if err := New().Begin(ctx, &sdk.Run{}); err == nil || !strings.Contains(err.Error(), "labels") {
		t.Errorf("no labels: %v", err)
	}
	bad := sdk.FromInt64([]int64{0, -1}, 2)
	if err := New().Begin(ctx, &sdk.Run{Context: map[string]*sdk.Tensor{"labels": bad}}); err == nil || !strings.Contains(err.Error(), "labels[1] = -1") {
		t.Errorf("negative label: %v", err)
	}
	a := begin(t, 5)
	cp := checkpoint(rand.New(rand.NewPCG(1, 2)), 5, 4, 1)
	delete(cp.Hooks, "blocks.0.hook_attn_out")
	if _, err := a.Analyze(ctx, cp); err == nil || !strings.Contains(err.Error(), "epoch 7: hook blocks.0.hook_attn_out missing") {
		t.Errorf("missing hook: %v", err)
	}
	cp.Hooks["blocks.0.hook_attn_out"] = sdk.NewTensor(sdk.Float32, 24, 4)
	if _, err := a.Analyze(ctx, cp); err == nil || !strings.Contains(err.Error(), "want (batch = 25, d)") {
		t.Errorf("bad shape: %v", err)
	}
}

// TestThroughPlugin runs the analyzer through the gRPC plugin path: the
// result equals the in-process one and matches analyzer.json, every declared
// array present.
func TestThroughPlugin(t *testing.T) {
	const p = 11
	cp := checkpoint(rand.New(rand.NewPCG(71, 72)), p, 8, 2)
	want, err := begin(t, p).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	run := &sdk.Run{Context: map[string]*sdk.Tensor{"labels": grid(p)}}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{SharedMemory: true}, run, cp)
	sdktest.SameResult(t, want, got)
	m, err := manifestcheck.Load("../../../../analyzers/repr_geometry/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckArrays(got.Arrays, false); err != nil {
		t.Error(err)
	}
	if err := m.CheckArrays(got.Summary, true); err != nil {
		t.Error(err)
	}
	if len(got.Arrays) != 4*15 || len(got.Summary) != 4*15 {
		t.Errorf("%d arrays, %d summary statistics, want 60 and 60", len(got.Arrays), len(got.Summary))
	}
}

// BenchmarkAnalyze times one checkpoint of the calibration model (p = 113,
// d_model 128, d_mlp 512).
func BenchmarkAnalyze(b *testing.B) {
	for _, p := range []int{59, 113} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			cp := checkpoint(rng, p, 128, 3)
			mlp := make([]float32, p*p*512)
			for i := range mlp {
				mlp[i] = float32(math.Max(rng.NormFloat64(), 0))
			}
			cp.Hooks["blocks.0.mlp.hook_post"] = sdk.FromFloat32(mlp, p*p, 512)
			a := begin(b, p)
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
