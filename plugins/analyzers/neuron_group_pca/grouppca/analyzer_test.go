package grouppca

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

// TestKnownGroups: at the last epoch neurons 0-2 are dominated by frequency 2,
// neurons 3-4 by 4, neuron 5 alone by 1 (too small a group), 6 and 7 are dead.
// Group 2's input vectors lie on a line along axis 0 (offsets t = -1, 0, 2
// from (1, 1, 0, 0)), spread (e+1)-fold at epoch e; group 4's differ along
// axis 1 by 2 at every epoch.
func TestKnownGroups(t *testing.T) {
	const dModel = 4
	ts := []float64{-1, 0, 2}
	in := func(e, n int) []float64 {
		switch {
		case n < 3:
			return []float64{1 + float64(e+1)*ts[n], 1, 0, 0}
		case n < 5:
			return []float64{0, float64(2*(n-3)) - 1, 5, 0}
		}
		return []float64{float64(n), 0, 0, 1}
	}
	inputs := neurongroups.Fixture([]int{0, 10, 20}, 5, []int{2, 2, 2, 4, 4, 1, 0, 0}, dModel, in, in)
	out, err := New().AnalyzeAcross(context.Background(), settings(2), inputs)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"group_freqs":      "[2 4]",
		"group_sizes":      "[3 2]",
		"neuron_group_idx": "[0 0 0 1 1 -1 -1 -1]",
		"epochs":           "[0 10 20]",
	} {
		if g := fmt.Sprint(out[name].Int64s()); g != want {
			t.Errorf("%s = %s, want %s", name, g, want)
		}
	}
	pc := out["pc_var"].Float64s() // (E, G, 3)
	for e := 0; e < 3; e++ {
		// Group 2: one axis holds everything; three members give three
		// defined components. Group 4: two members, the third is NaN.
		g0, g1 := pc[(e*2)*3:(e*2+1)*3], pc[(e*2+1)*3:(e*2+2)*3]
		if !eq(g0[0], 1, 1e-9) || math.Abs(g0[1]) > 1e-9 || math.Abs(g0[2]) > 1e-9 {
			t.Errorf("epoch %d, group 2: pc_var %v, want [1 0 0]", e, g0)
		}
		if !eq(g1[0], 1, 1e-9) || math.Abs(g1[1]) > 1e-9 || !math.IsNaN(g1[2]) {
			t.Errorf("epoch %d, group 4: pc_var %v, want [1 0 NaN]", e, g1)
		}
		// Mean distance to the centroid: t has mean 1/3, |t - 1/3| sums to 10/3.
		spread := out["mean_spread"].Float64s()
		if !eq(spread[e*2], float64(e+1)*10.0/9, 1e-9) || !eq(spread[e*2+1], 1, 1e-9) {
			t.Errorf("epoch %d: mean spread %v, want %v and 1", e, spread[e*2:e*2+2], float64(e+1)*10.0/9)
		}
	}
	// The last epoch's axis of group 2 is +axis 0 (largest entry positive),
	// its centre (1 + 3·1/3, 1, 0, 0): member n projects to 3·(t_n − 1/3) at
	// the last epoch and (e+1)·t_n − 1 at epoch e.
	bases := out["group_bases"].Float64s()
	if fmt.Sprint(bases[:4]) != "[1 0 0 0]" || fmt.Sprint(bases[4:12]) != "[0 0 0 0 0 0 0 0]" {
		t.Errorf("group 2 bases %v, want axis 0 then zero rows (the members lie on a line)", bases[:12])
	}
	proj := out["projections"].Float64s() // (E, N, 3)
	for e := 0; e < 3; e++ {
		for n, tn := range ts {
			if got, want := proj[(e*8+n)*3], float64(e+1)*tn-1; !eq(got, want, 1e-6) {
				t.Errorf("epoch %d neuron %d: projection %v, want %v", e, n, got, want)
			}
		}
		for n := 5; n < 8; n++ {
			if !math.IsNaN(proj[(e*8+n)*3]) {
				t.Errorf("ungrouped neuron %d has projection %v", n, proj[(e*8+n)*3])
			}
		}
	}
	if c := out["group_centers"].Float64s(); !eq(c[0], 2, 1e-6) || c[1] != 1 {
		t.Errorf("group 2 centre %v, want (2, 1, 0, 0)", c[:4])
	}
}

func TestNoGroups(t *testing.T) {
	in := func(e, n int) []float64 { return []float64{float64(n), 1} }
	out, err := New().AnalyzeAcross(context.Background(), settings(2), neurongroups.Fixture([]int{1, 2}, 3, []int{1, 2, 3}, 2, in, in))
	if err != nil {
		t.Fatal(err)
	}
	if out["pc_var"].ShapeString() != "(2, 0, 3)" || out["group_freqs"].Len() != 0 || out["projections"].ShapeString() != "(2, 3, 3)" {
		t.Errorf("pc_var %v, group_freqs %v, projections %v", out["pc_var"], out["group_freqs"], out["projections"])
	}
}

func TestErrors(t *testing.T) {
	in := func(e, n int) []float64 { return []float64{1, 2} }
	good := neurongroups.Fixture([]int{1}, 2, []int{1, 1}, 2, in, in)
	if _, err := New().AnalyzeAcross(context.Background(), settings(1), good); err == nil || !strings.Contains(err.Error(), `"min_group_size" is 1`) {
		t.Errorf("min 1: %v", err)
	}
	if _, err := New().AnalyzeAcross(context.Background(), settings(2), map[string]*sdk.Stacked{}); err == nil || !strings.Contains(err.Error(), "neuron_group_pca: input artifacts") {
		t.Errorf("no inputs: %v", err)
	}
}

func randomInputs(rng *rand.Rand, epochs []int, nf, N, dModel int) map[string]*sdk.Stacked {
	dom := make([]int, N)
	for n := range dom {
		dom[n] = 1 + rng.IntN(nf)
	}
	w := make(map[[2]int][]float64)
	vec := func(e, n int) []float64 {
		if v, ok := w[[2]int{e, n}]; ok {
			return v
		}
		v := make([]float64, dModel)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		w[[2]int{e, n}] = v
		return v
	}
	return neurongroups.Fixture(epochs, nf, dom, dModel, vec, vec)
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/neuron_group_pca/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	in := randomInputs(rand.New(rand.NewPCG(1, 2)), []int{0, 5, 9}, 6, 30, 8)
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
	if len(got) != len(m.Outputs) {
		t.Errorf("%d arrays, %d declared", len(got), len(m.Outputs))
	}
}

// BenchmarkAnalyzeAcross times the calibration model (56 frequencies, 512
// neurons, d_model 128) over the quick preset's 28 checkpoints.
func BenchmarkAnalyzeAcross(b *testing.B) {
	epochs := make([]int, 28)
	for i := range epochs {
		epochs[i] = 25 * i
	}
	in := randomInputs(rand.New(rand.NewPCG(1, 2)), epochs, 56, 512, 128)
	b.Run("epochs=28", func(b *testing.B) {
		for b.Loop() {
			if _, err := New().AnalyzeAcross(context.Background(), settings(2), in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
