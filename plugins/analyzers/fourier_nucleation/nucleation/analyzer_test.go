package nucleation

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

func eq(a, b, tol float64) bool { return scalar.EqualWithinAbsOrRel(a, b, tol, tol) }

func run(p, iterations int, sharpness, commit float64) *sdk.Run {
	return &sdk.Run{
		Context:  map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)},
		Settings: sdk.Params{"iterations": float64(iterations), "sharpness": sharpness, "commit_threshold": commit},
	}
}

func begin(t testing.TB, r *sdk.Run) *Analyzer {
	t.Helper()
	a := New()
	if err := a.Begin(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestKnownResponses: tokens embedded as cos k1 on axis 0, sin k1 on axis 1
// and 0.5·cos k2 on axis 2. Neuron 0 reads axis 0 (all its energy at k1),
// neuron 1 axis 2 (all at k2), neuron 2 axes 0 and 2 (4:1 at k1 and k2),
// neuron 3 nothing.
func TestKnownResponses(t *testing.T) {
	const p, dModel, dMLP, k1, k2 = 17, 4, 4, 2, 5
	we := make([]float32, (p+1)*dModel)
	for x := 0; x < p; x++ {
		w1, w2 := 2*math.Pi*float64(k1*x%p)/p, 2*math.Pi*float64(k2*x%p)/p
		we[x*dModel], we[x*dModel+1], we[x*dModel+2] = float32(math.Cos(w1)), float32(math.Sin(w1)), float32(0.5*math.Cos(w2))
		we[x*dModel+3] = 3 // constant: no frequency
	}
	win := make([]float32, dModel*dMLP) // [d_model, d_mlp]
	win[0*dMLP+0] = 1
	win[2*dMLP+1] = 1
	win[0*dMLP+2], win[2*dMLP+2] = 1, 1
	cp := &sdk.Checkpoint{Weights: map[string]*sdk.Tensor{WE: sdk.FromFloat32(we, p+1, dModel), WIn: sdk.FromFloat32(win, dModel, dMLP)}}
	// sharpness 0.95 keeps max(1, ⌊8·0.05⌋) = 1 frequency per neuron.
	res, err := begin(t, run(p, 2, 0.95, 0.15)).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	nf := fourier.NumFreq(p)
	peak := res.Arrays["neuron_peak_freq"].Int64s()
	if g := fmt.Sprint(peak[:dMLP]); g != "[2 5 2 0]" {
		t.Errorf("peak frequencies %s, want [2 5 2 0]", g)
	}
	committed := res.Arrays["neuron_committed_count"]
	if committed.ShapeString() != "(3, 8)" {
		t.Fatalf("neuron_committed_count is %v", committed)
	}
	c := committed.Int64s()
	// Row 0: k1 has neurons 0 and 2, k2 neurons 1 and 2 (2's share at k2 is 0.2 > 0.15).
	// Rows 1, 2: neuron 2 keeps only k1.
	for row, want := range []map[int]int64{{k1: 2, k2: 2}, {k1: 2, k2: 1}, {k1: 2, k2: 1}} {
		for k := 1; k <= nf; k++ {
			if c[row*nf+k-1] != want[k] {
				t.Errorf("row %d, k=%d: %d committed, want %d", row, k, c[row*nf+k-1], want[k])
			}
		}
	}
	// Aggregate energy at k1: neurons 0 and 2, p/2 each; at k2: neurons 1
	// and 2, p/8 each: 1 and 0.25 of the largest.
	agg := res.Arrays["aggregate_energy"].Float32s()
	for k := 1; k <= nf; k++ {
		want := map[int]float64{k1: 1, k2: 0.25}[k]
		if !eq(float64(agg[k-1]), want, 1e-5) {
			t.Errorf("aggregate at k=%d: %v, want %v", k, agg[k-1], want)
		}
	}
	if !eq(float64(agg[nf+k2-1]), 0.125, 1e-5) {
		t.Errorf("row 1 aggregate at k2: %v, want 0.125 (neuron 2's share is cut)", agg[nf+k2-1])
	}
}

func randomWeights(rng *rand.Rand, p, dModel, dMLP int) map[string]*sdk.Tensor {
	r := func(shape ...int) *sdk.Tensor {
		d := make([]float32, sdk.NumElements(shape))
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 0.07)
		}
		return sdk.FromFloat32(d, shape...)
	}
	return map[string]*sdk.Tensor{WE: r(p+1, dModel), WIn: r(dModel, dMLP)}
}

// TestSharpeningSettles: random weights spread each neuron's energy; after
// one sharpening every neuron has exactly keep frequencies left, and later
// iterations repeat the first.
func TestSharpeningSettles(t *testing.T) {
	const p, dMLP = 23, 40
	res, err := begin(t, run(p, 4, 0.7, 0.15)).Analyze(context.Background(), &sdk.Checkpoint{Weights: randomWeights(rand.New(rand.NewPCG(3, 4)), p, 16, dMLP)})
	if err != nil {
		t.Fatal(err)
	}
	nf := fourier.NumFreq(p)
	c := res.Arrays["neuron_committed_count"].Int64s()
	var row0, row1 int64
	for k := 0; k < nf; k++ {
		row0 += c[k]
		row1 += c[nf+k]
	}
	// keep = ⌊11·0.3⌋ = 3 frequencies: at least one holds > 1/3 > 0.15.
	if row1 < dMLP || row1 <= row0 {
		t.Errorf("committed: %d at row 0, %d after sharpening, want more and at least one per neuron", row0, row1)
	}
	for _, name := range []string{"aggregate_energy", "neuron_peak_freq", "neuron_committed_count"} {
		x := res.Arrays[name]
		w := x.Len() / 5
		b := x.Bytes()
		n := len(b) / 5
		for it := 2; it < 5; it++ {
			if string(b[it*n:(it+1)*n]) != string(b[n:2*n]) {
				t.Errorf("%s: row %d differs from row 1 (%d values)", name, it, w)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		r   *sdk.Run
		err string
	}{
		{&sdk.Run{Settings: run(5, 1, 0.7, 0.1).Settings}, "fourier_basis"},
		{run(5, -1, 0.7, 0.1), `"iterations" is -1`},
		{run(5, 1, 1, 0.1), `"sharpness" is 1`},
		{run(5, 1, 0.5, 1.5), `"commit_threshold" is 1.5`},
	} {
		if err := New().Begin(ctx, tc.r); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("err = %v, want one containing %q", err, tc.err)
		}
	}
	w := randomWeights(rand.New(rand.NewPCG(1, 2)), 5, 4, 3)
	w[WIn] = sdk.NewTensor(sdk.Float32, 5, 3)
	if _, err := begin(t, run(5, 1, 0.7, 0.1)).Analyze(ctx, &sdk.Checkpoint{Epoch: 9, Weights: w}); err == nil || !strings.Contains(err.Error(), "epoch 9: weight blocks.0.mlp.W_in") {
		t.Errorf("bad W_in: %v", err)
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/fourier_nucleation/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	const p = 13
	r := &sdk.Run{Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}, Settings: m.Defaults()}
	cp := &sdk.Checkpoint{Weights: randomWeights(rand.New(rand.NewPCG(5, 6)), p, 8, 16)}
	want, err := begin(t, r).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, r, cp)
	sdktest.SameResult(t, want, got)
	if err := m.CheckArrays(got.Arrays, false); err != nil {
		t.Error(err)
	}
	if len(got.Arrays) != len(m.Outputs) {
		t.Errorf("%d arrays, %d declared", len(got.Arrays), len(m.Outputs))
	}
}

func BenchmarkAnalyze(b *testing.B) {
	const p = 113
	cp := &sdk.Checkpoint{Weights: randomWeights(rand.New(rand.NewPCG(1, 2)), p, 128, 512)}
	a := begin(b, run(p, 12, 0.7, 0.15))
	b.Run("p=113", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Analyze(context.Background(), cp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
