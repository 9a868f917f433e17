package centroidpca

import (
	"context"
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

// growingRing returns (E, n, d) centroids: at epoch e class r sits at
// c + a_e·(cos θ_r·u + sin θ_r·v) + 0.01·w_r·z, θ_r = 2πr/n, a_e = 1 + e, with
// u, v, z the first three axes rotated by a fixed random orthogonal mix.
func growingRing(rng *rand.Rand, E, n, d int) []float64 {
	axes := make([][]float64, 3)
	for i := range axes {
		axes[i] = make([]float64, d)
		for j := range axes[i] {
			axes[i][j] = rng.NormFloat64()
		}
		for _, prev := range axes[:i] {
			var dot float64
			for j := range prev {
				dot += prev[j] * axes[i][j]
			}
			for j := range prev {
				axes[i][j] -= dot * prev[j]
			}
		}
		var s float64
		for _, x := range axes[i] {
			s += x * x
		}
		for j := range axes[i] {
			axes[i][j] /= math.Sqrt(s)
		}
	}
	c := make([]float64, d)
	for j := range c {
		c[j] = rng.NormFloat64()
	}
	x := make([]float64, E*n*d)
	for e := 0; e < E; e++ {
		a := 1 + float64(e)
		for r := 0; r < n; r++ {
			th := 2 * math.Pi * float64(r) / float64(n)
			w := 0.01 * float64(r%2*2-1)
			for j := 0; j < d; j++ {
				x[(e*n+r)*d+j] = c[j] + a*(math.Cos(th)*axes[0][j]+math.Sin(th)*axes[1][j]) + w*axes[2][j]
			}
		}
	}
	return x
}

func inputs(rng *rand.Rand, epochs []int, n int) map[string]*sdk.Stacked {
	E := len(epochs)
	return map[string]*sdk.Stacked{Source: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{
		"resid_post_centroids": sdk.FromFloat64(growingRing(rng, E, n, 12), E, n, 12),
		"mlp_out_centroids":    sdk.FromFloat64(growingRing(rng, E, n, 30), E, n, 30),
		"resid_post_radii":     sdk.NewTensor(sdk.Float64, E, n), // repr_geometry's other arrays ride along
	}}}
}

func settings(th float64) *sdk.Run { return &sdk.Run{Settings: sdk.Params{"variance_threshold": th}} }

// TestGrowingRing: one shared plane holds the ring at every epoch, so two
// axes carry 95% of the pooled variance (the 0.01 wobble needs a third for
// 100%), and each epoch's projections lie on a circle of radius 1 + e.
func TestGrowingRing(t *testing.T) {
	const n = 11
	epochs := []int{0, 100, 200, 400}
	out, err := New().AnalyzeAcross(context.Background(), settings(0.95), inputs(rand.New(rand.NewPCG(1, 2)), epochs, n))
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"resid_post", "mlp_out"} {
		ratio := out[site+"__explained_variance_ratio"].Float64s()
		if len(ratio) != 2 || !eq(ratio[0], 0.5, 1e-4) || !eq(ratio[1], 0.5, 1e-4) {
			t.Errorf("%s: variance ratios %v, want two of 0.5", site, ratio)
		}
		proj := out[site+"__projections"]
		if proj.ShapeString() != "(4, 11, 2)" {
			t.Fatalf("%s: projections %v", site, proj)
		}
		// Every epoch's ring is centred on the pooled mean's plane
		// position: radius 1 + e around the projected centre.
		pr := proj.Float64s()
		for e := range epochs {
			for r := 0; r < n; r++ {
				x, y := pr[(e*n+r)*2], pr[(e*n+r)*2+1]
				if rad := math.Hypot(x, y); !eq(rad, 1+float64(e), 1e-3) {
					t.Errorf("%s epoch %d class %d: radius %v, want %v", site, e, r, rad, 1+e)
				}
			}
		}
	}
	out, err = New().AnalyzeAcross(context.Background(), settings(1), inputs(rand.New(rand.NewPCG(1, 2)), epochs, n))
	if err != nil {
		t.Fatal(err)
	}
	if k := out["resid_post__explained_variance_ratio"].Len(); k != 3 {
		t.Errorf("threshold 1: %d axes, want 3", k)
	}
	if s := out["mlp_out__basis"].ShapeString(); s != "(30, 3)" {
		t.Errorf("mlp_out__basis %s", s)
	}
}

func TestErrors(t *testing.T) {
	good := inputs(rand.New(rand.NewPCG(3, 4)), []int{1, 2}, 3)
	for _, tc := range []struct {
		r   *sdk.Run
		in  map[string]*sdk.Stacked
		err string
	}{
		{&sdk.Run{}, good, `"variance_threshold" is missing`},
		{settings(0), good, `"variance_threshold" is 0`},
		{settings(0.9), map[string]*sdk.Stacked{}, "input artifact repr_geometry missing"},
		{settings(0.9), map[string]*sdk.Stacked{Source: {Epochs: []int{1, 2}, Arrays: map[string]*sdk.Tensor{}}}, "no *_centroids arrays"},
		{settings(0.9), map[string]*sdk.Stacked{Source: {Epochs: []int{2, 1}, Arrays: good[Source].Arrays}}, "not ascending"},
		{settings(0.9), map[string]*sdk.Stacked{Source: {Epochs: []int{1, 2, 3}, Arrays: good[Source].Arrays}}, "want float64 (epochs = 3"},
	} {
		if _, err := New().AnalyzeAcross(context.Background(), tc.r, tc.in); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("err = %v, want one containing %q", err, tc.err)
		}
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/global_centroid_pca/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	in := inputs(rand.New(rand.NewPCG(5, 6)), []int{0, 10, 30}, 7)
	r := &sdk.Run{Settings: m.Defaults()}
	want, err := New().AnalyzeAcross(context.Background(), r, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sdktest.Analyzer(t, New(), sdktest.Options{}).AnalyzeAcross(context.Background(), r, in)
	if err != nil {
		t.Fatal(err)
	}
	sdktest.SameTensors(t, "array", want, got)
	if err := m.CheckArrays(got, false); err != nil {
		t.Error(err)
	}
	if len(got) != 1+2*4 {
		t.Errorf("%d arrays, want 9", len(got))
	}
}

// BenchmarkAnalyzeAcross times the quick preset's 28 checkpoints and the
// reference schedule's 95 at p = 113 (d 128 at three sites, 512 at mlp_out).
func BenchmarkAnalyzeAcross(b *testing.B) {
	for _, E := range []int{28, 95} {
		b.Run(map[int]string{28: "epochs=28", 95: "epochs=95"}[E], func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			epochs := make([]int, E)
			for i := range epochs {
				epochs[i] = i
			}
			arrays := map[string]*sdk.Tensor{}
			for site, d := range map[string]int{"resid_pre": 128, "attn_out": 128, "mlp_out": 512, "resid_post": 128} {
				x := growingRing(rng, E, 113, d)
				for i := range x {
					x[i] += 0.1 * rng.NormFloat64()
				}
				arrays[site+"_centroids"] = sdk.FromFloat64(x, E, 113, d)
			}
			in := map[string]*sdk.Stacked{Source: {Epochs: epochs, Arrays: arrays}}
			for b.Loop() {
				if _, err := New().AnalyzeAcross(context.Background(), settings(0.95), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
