package freqquality

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

func eq(a, b, tol float64) bool { return scalar.EqualWithinAbsOrRel(a, b, tol, tol) }

// TestQualityKnown: each complete (cos k, sin k) pair holds 2/p of the
// table, the constant row 1/p, all rows together everything; a lone cos row
// holds a quarter of its pair (its (cos, cos) cell of the four).
func TestQualityKnown(t *testing.T) {
	const p = 13
	b := fourier.Basis(p)
	all := make([]int, p)
	for i := range all {
		all[i] = i
	}
	for _, tc := range []struct {
		rows []int
		want float64
	}{
		{nil, 0},
		{[]int{3, 4}, 2.0 / p},
		{[]int{1, 2, 9, 10}, 4.0 / p},
		{[]int{0}, 1.0 / p},
		{[]int{5}, 0.5 / p},
		{all, 1},
	} {
		if q := Quality(b, p, tc.rows); !eq(q, tc.want, 1e-12) {
			t.Errorf("rows %v: quality %v, want %v", tc.rows, q, tc.want)
		}
	}
}

// TestCompute: an embedding with two strong frequencies (rows 3, 4 and 9, 10:
// k = 2 and 5) and weak noise elsewhere; mean 0.84, threshold 2.5.
func TestCompute(t *testing.T) {
	const p = 31
	coef := make([]float64, p)
	coef[0] = 50 // the constant row is never dominant
	for i := 1; i < p; i++ {
		coef[i] = 0.1 * float64(i%3+1)
	}
	coef[3], coef[4], coef[9], coef[10] = 5, 4, 6, 5
	res := Compute(fourier.Basis(p), p, coef, 3)
	if g := fmt.Sprint(res.Arrays["dominant_basis_rows"].Uint8s()[:12]); g != "[0 0 0 1 1 0 0 0 0 1 1 0]" {
		t.Errorf("dominant rows %s", g)
	}
	if q := res.Summary["quality_score"].Float64s()[0]; !eq(q, 4.0/p, 1e-12) {
		t.Errorf("quality %v, want 4/31", q)
	}
	if e := res.Summary["reconstruction_error"].Float64s()[0]; !eq(e, 1-4.0/p, 1e-12) {
		t.Errorf("error %v", e)
	}
	if n := res.Summary["n_dominant"].Int64s()[0]; n != 4 {
		t.Errorf("n_dominant %d", n)
	}
}

func stacked(rng *rand.Rand, epochs []int, p int) map[string]*sdk.Stacked {
	c := make([]float32, len(epochs)*p)
	for i := range c {
		c[i] = float32(rng.ExpFloat64())
	}
	return map[string]*sdk.Stacked{Source: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{Array: sdk.FromFloat32(c, len(epochs), p)}}}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	in := stacked(rand.New(rand.NewPCG(1, 2)), []int{1}, 7)
	if _, err := New().AnalyzeAcross(ctx, &sdk.Run{}, in); err == nil || !strings.Contains(err.Error(), `"threshold_factor" is missing`) {
		t.Errorf("no factor: %v", err)
	}
	run := &sdk.Run{Settings: sdk.Params{"threshold_factor": 3.0}}
	in[Source].Arrays[Array] = sdk.NewTensor(sdk.Float32, 1, 8)
	if _, err := New().AnalyzeAcross(ctx, run, in); err == nil || !strings.Contains(err.Error(), "with p odd") {
		t.Errorf("even p: %v", err)
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/fourier_frequency_quality/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	in := stacked(rand.New(rand.NewPCG(3, 4)), []int{0, 50, 100}, 23)
	run := &sdk.Run{Settings: m.Defaults()}
	want, err := New().AnalyzeAcross(context.Background(), run, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sdktest.Analyzer(t, New(), sdktest.Options{}).AnalyzeAcross(context.Background(), run, in)
	if err != nil {
		t.Fatal(err)
	}
	sdktest.SameTensors(t, "array", want, got)
	arrays, summary := map[string]*sdk.Tensor{}, map[string]*sdk.Tensor{}
	for name, x := range got {
		one := sdk.NewTensor(x.DType(), x.Shape()[1:]...)
		if name == "dominant_basis_rows" {
			arrays[name] = one
		} else {
			summary[name] = one
		}
	}
	if err := m.CheckArrays(arrays, false); err != nil {
		t.Error(err)
	}
	if err := m.CheckArrays(summary, true); err != nil {
		t.Error(err)
	}
	if len(summary) != len(m.Summary) || len(arrays) != len(m.Outputs) {
		t.Errorf("%d arrays and %d summary statistics, %d and %d declared", len(arrays), len(summary), len(m.Outputs), len(m.Summary))
	}
}
