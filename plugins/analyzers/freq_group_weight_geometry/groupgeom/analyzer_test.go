package groupgeom

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/plugins/internal/neurongroups"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

func eq(a, b, tol float64) bool { return scalar.EqualWithinAbsOrRel(a, b, tol, tol) }

func settings(min int) *sdk.Run {
	return &sdk.Run{Settings: sdk.Params{"min_group_size": float64(min)}}
}

// TestRingOfGroups: 5 frequency groups of 3 neurons (plus one dead neuron)
// whose W_in columns sit at the corners of a regular pentagon of radius
// 3·(e+1) in the plane of axes 0, 1, each member ±0.5 or 0 off it along
// axis 2; their W_out rows are random. In W_in the groups form a ring, each
// of radius √(1/6) and dimensionality 1; in W_out they do not.
func TestRingOfGroups(t *testing.T) {
	const dModel, G = 4, 5
	rng := rand.New(rand.NewPCG(1, 2))
	dom := []int{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 0}
	off := []float64{0.5, 0, -0.5}
	in := func(e, n int) []float64 {
		if dom[n] == 0 {
			return []float64{9, 9, 9, 9}
		}
		th := 2 * math.Pi * float64(dom[n]-1) / G
		r := 3 * float64(e+1)
		return []float64{r * math.Cos(th), r * math.Sin(th), off[n%3], 0}
	}
	outVec := func(e, n int) []float64 {
		v := make([]float64, dModel)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		return v
	}
	out, err := New().AnalyzeAcross(context.Background(), settings(2), neurongroups.Fixture([]int{0, 50}, 7, dom, dModel, in, outVec))
	if err != nil {
		t.Fatal(err)
	}
	if g := fmt.Sprint(out["group_freqs"].Int64s(), out["group_sizes"].Int64s()); g != "[1 2 3 4 5] [3 3 3 3 3]" {
		t.Errorf("groups %s", g)
	}
	for e := 0; e < 2; e++ {
		if c := out["Win_circularity"].Float64s()[e]; !eq(c, 1, 1e-6) {
			t.Errorf("epoch %d: W_in circularity %v, want 1", e, c)
		}
		if s := out["Win_center_spread"].Float64s()[e]; !eq(s, 3*float64(e+1), 1e-6) {
			t.Errorf("epoch %d: W_in centre spread %v, want %v", e, s, 3*(e+1))
		}
		if r := out["Win_mean_radius"].Float64s()[e]; !eq(r, math.Sqrt(1.0/6), 1e-6) {
			t.Errorf("epoch %d: W_in mean radius %v, want √(1/6)", e, r)
		}
		if c := out["Wout_circularity"].Float64s()[e]; c > 0.5 {
			t.Errorf("epoch %d: W_out circularity %v, want low", e, c)
		}
		// Adjacent pentagon corners are 2·R·sin(π/5) apart; each radius² is 1/6.
		side := 2 * 3 * float64(e+1) * math.Sin(math.Pi/5)
		if f := out["Win_fisher_min"].Float64s()[e]; !eq(f, side*side/(2.0/6), 1e-6) {
			t.Errorf("epoch %d: W_in Fisher min %v, want %v", e, f, side*side*3)
		}
	}
	dims := out["Win_dimensionality"].Float64s()
	for _, v := range dims {
		if !eq(v, 1, 1e-9) {
			t.Errorf("W_in dimensionality %v, want 1 (members differ along one axis)", dims)
			break
		}
	}
	if s := out["Win_centroids"].ShapeString(); s != "(2, 5, 4)" {
		t.Errorf("Win_centroids %s", s)
	}
}

func TestErrors(t *testing.T) {
	vec := func(e, n int) []float64 { return []float64{1, 2} }
	good := neurongroups.Fixture([]int{1}, 2, []int{1, 1}, 2, vec, vec)
	if _, err := New().AnalyzeAcross(context.Background(), &sdk.Run{}, good); err == nil || !strings.Contains(err.Error(), `"min_group_size" is missing`) {
		t.Errorf("no setting: %v", err)
	}
	if _, err := New().AnalyzeAcross(context.Background(), settings(2), map[string]*sdk.Stacked{}); err == nil || !strings.Contains(err.Error(), Name) {
		t.Errorf("no inputs: %v", err)
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/freq_group_weight_geometry/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	dom := make([]int, 40)
	for n := range dom {
		dom[n] = rng.IntN(6)
	}
	vec := func(e, n int) []float64 {
		v := make([]float64, 8)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		return v
	}
	in := neurongroups.Fixture([]int{0, 5, 9}, 5, dom, 8, vec, vec)
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
	if len(got) != 3+2*9 {
		t.Errorf("%d arrays, want 21", len(got))
	}
}

// BenchmarkAnalyzeAcross times the calibration model (512 neurons in 5
// groups, d_model 128) over the quick preset's 28 checkpoints.
func BenchmarkAnalyzeAcross(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	dom := make([]int, 512)
	for n := range dom {
		dom[n] = []int{0, 6, 9, 23, 34, 54}[rng.IntN(6)]
	}
	vec := func(e, n int) []float64 {
		v := make([]float64, 128)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		return v
	}
	epochs := make([]int, 28)
	for i := range epochs {
		epochs[i] = 25 * i
	}
	in := neurongroups.Fixture(epochs, 56, dom, 128, vec, vec)
	b.Run("epochs=28", func(b *testing.B) {
		for b.Loop() {
			if _, err := New().AnalyzeAcross(context.Background(), settings(2), in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
