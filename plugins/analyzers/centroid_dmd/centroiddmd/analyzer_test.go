package centroiddmd

import (
	"context"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// rotating returns projections (E, n, 2) of n classes on a ring that turns by
// θ and shrinks by ρ each step: a linear system with eigenvalues ρ·e^{±iθ}.
func rotating(E, n int, rho, th float64) []float64 {
	x := make([]float64, E*n*2)
	for t := 0; t < E; t++ {
		a := math.Pow(rho, float64(t))
		for r := 0; r < n; r++ {
			phi := 2*math.Pi*float64(r)/float64(n) + th*float64(t)
			x[(t*n+r)*2], x[(t*n+r)*2+1] = a*math.Cos(phi), a*math.Sin(phi)
		}
	}
	return x
}

func input(E int, sites map[string][]float64, n int) map[string]*sdk.Stacked {
	ep := make([]int64, E)
	for i := range ep {
		ep[i] = int64(100 * i)
	}
	arrays := map[string]*sdk.Tensor{"epochs": sdk.FromInt64(ep, E)}
	for s, x := range sites {
		arrays[s+"__projections"] = sdk.FromFloat64(x, E, n, len(x)/(E*n))
		arrays[s+"__mean"] = sdk.NewTensor(sdk.Float64, 4) // global_centroid_pca's other arrays ride along
	}
	return map[string]*sdk.Stacked{Source: {Arrays: arrays}}
}

func settings(e float64) *sdk.Run { return &sdk.Run{Settings: sdk.Params{"energy_threshold": e}} }

// TestRotatingRing: the eigenvalues of a turning, shrinking ring are
// recovered, and its residuals vanish.
func TestRotatingRing(t *testing.T) {
	const E, n, rho, th = 12, 7, 0.95, 0.4
	out, err := New().AnalyzeAcross(context.Background(), settings(0.999999), input(E, map[string][]float64{"resid_post": rotating(E, n, rho, th)}, n))
	if err != nil {
		t.Fatal(err)
	}
	if r := out["resid_post__n_modes"].Int64s()[0]; r != 2 {
		t.Fatalf("rank %d, want 2", r)
	}
	ev := out["resid_post__eigenvalues"].Float64s()
	want := []complex128{cmplx.Rect(rho, th), cmplx.Rect(rho, -th)}
	for i, w := range want {
		if g := complex(ev[2*i], ev[2*i+1]); cmplx.Abs(g-w) > 1e-9 {
			t.Errorf("eigenvalue %d = %v, want %v", i, g, w)
		}
	}
	for i, r := range out["resid_post__residual_norms"].Float64s() {
		if r > 1e-9 {
			t.Errorf("residual %d = %g", i, r)
		}
	}
	if s := out["resid_post__modes"].ShapeString(); s != "(14, 2, 2)" {
		t.Errorf("modes %s", s)
	}
	if s := out["resid_post__singular_values"].ShapeString(); s != "(11,)" {
		t.Errorf("singular values %s", s)
	}
}

// TestTurnChangeShowsInResiduals: the ring turns by 0.4 per step until epoch
// 600 and by 1.1 after: the residual is largest at the change.
func TestTurnChangeShowsInResiduals(t *testing.T) {
	const E, n = 14, 9
	x := rotating(E, n, 1, 0.4)
	for t0 := 7; t0 < E; t0++ {
		// Continue from the state at 6 with the faster turn.
		for r := 0; r < n; r++ {
			phi := 2*math.Pi*float64(r)/n + 0.4*6 + 1.1*float64(t0-6)
			x[(t0*n+r)*2], x[(t0*n+r)*2+1] = math.Cos(phi), math.Sin(phi)
		}
	}
	out, err := New().AnalyzeAcross(context.Background(), settings(0.99), input(E, map[string][]float64{"attn_out": x}, n))
	if err != nil {
		t.Fatal(err)
	}
	res := out["attn_out__residual_norms"].Float64s()
	var worst int
	for i, v := range res {
		if v > res[worst] {
			worst = i
		}
	}
	if worst < 5 || worst > 7 {
		t.Errorf("largest residual at step %d (%v), want near 6", worst, res)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	good := input(3, map[string][]float64{"s": rotating(3, 2, 1, 0.1)}, 2)
	for _, tc := range []struct {
		r   *sdk.Run
		in  map[string]*sdk.Stacked
		err string
	}{
		{&sdk.Run{}, good, `"energy_threshold" is missing`},
		{settings(0), good, `"energy_threshold" is 0`},
		{settings(0.9), map[string]*sdk.Stacked{}, "input global_centroid_pca/cross_epoch missing"},
		{settings(0.9), input(1, map[string][]float64{"s": rotating(1, 2, 1, 0.1)}, 2), "at least 2 epochs"},
		{settings(0.9), map[string]*sdk.Stacked{Source: {Arrays: map[string]*sdk.Tensor{"epochs": sdk.FromInt64([]int64{1, 2}, 2)}}}, "no *__projections arrays"},
	} {
		if _, err := New().AnalyzeAcross(ctx, tc.r, tc.in); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("err = %v, want one containing %q", err, tc.err)
		}
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/centroid_dmd/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := rotating(10, 5, 0.9, 0.3)
	for i := range noisy {
		noisy[i] += 0.01 * rng.NormFloat64()
	}
	in := input(10, map[string][]float64{"mlp_out": noisy, "resid_post": rotating(10, 5, 1, 0.2)}, 5)
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
	if len(got) != 1+2*6 {
		t.Errorf("%d arrays, want 13", len(got))
	}
}
