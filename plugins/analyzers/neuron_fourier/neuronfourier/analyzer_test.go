package neuronfourier

import (
	"context"
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

// TestPureNeurons: tokens embedded as (cos k1 x, sin k1 x, cos k2 x, 1) and
// answers unembedded as (cos k3 c, sin k3 c, 0, 0). Neuron 0 reads
// cos(ω k1 x + φ) and writes 2 cos(ω k3 c + ψ); neuron 1 reads cos(ω k2 x);
// neuron 2 reads only the constant axis. Each has all its energy at its
// frequency, with its phase.
func TestPureNeurons(t *testing.T) {
	const p, dModel, n, k1, k2, k3 = 19, 4, 3, 2, 7, 5
	const phi, psi = 2.2, -1.3
	w := func(k, x int) float64 { return 2 * math.Pi * float64(k*x%p) / p }
	we := make([]float32, (p+1)*dModel)
	wu := make([]float32, dModel*p)
	for x := 0; x < p; x++ {
		we[x*dModel], we[x*dModel+1], we[x*dModel+2], we[x*dModel+3] = float32(math.Cos(w(k1, x))), float32(math.Sin(w(k1, x))), float32(math.Cos(w(k2, x))), 1
		wu[0*p+x], wu[1*p+x] = float32(math.Cos(w(k3, x))), float32(math.Sin(w(k3, x)))
	}
	win := make([]float32, dModel*n)
	win[0*n+0], win[1*n+0] = float32(math.Cos(phi)), float32(-math.Sin(phi))
	win[2*n+1] = 1
	win[3*n+2] = 1
	wout := make([]float32, n*dModel)
	wout[0], wout[1] = float32(2*math.Cos(psi)), float32(-2*math.Sin(psi))
	res, err := Compute(fourier.NewTransformer(fourier.Basis(p), p), map[string]*sdk.Tensor{
		WE: sdk.FromFloat32(we, p+1, dModel), WIn: sdk.FromFloat32(win, dModel, n),
		WOut: sdk.FromFloat32(wout, n, dModel), WU: sdk.FromFloat32(wu, dModel, p),
	})
	if err != nil {
		t.Fatal(err)
	}
	nf := fourier.NumFreq(p)
	amp := math.Sqrt(p / 2.0)
	check := func(name string, m, k int, want float64, phaseName string, phase float64) {
		t.Helper()
		x := res.Arrays[name].Float32s()
		for kk := 1; kk <= nf; kk++ {
			w := 0.0
			if kk == k {
				w = want
			}
			if !eq(float64(x[m*nf+kk-1]), w, 1e-5) {
				t.Errorf("%s[%d, k=%d] = %v, want %v", name, m, kk, x[m*nf+kk-1], w)
			}
		}
		if k > 0 {
			if g := float64(res.Arrays[phaseName].Float32s()[m*nf+k-1]); !eq(g, phase, 1e-5) {
				t.Errorf("%s[%d, k=%d] = %v, want %v", phaseName, m, k, g, phase)
			}
		}
	}
	check("alpha_mk", 0, k1, amp, "phi_mk", phi)
	check("alpha_mk", 1, k2, amp, "phi_mk", 0)
	check("alpha_mk", 2, 0, 0, "", 0)
	check("beta_mk", 0, k3, 2*amp, "psi_mk", psi)
	check("beta_mk", 1, 0, 0, "", 0)
}

func snapshot(rng *rand.Rand, epochs []int, p, dModel, n int) map[string]*sdk.Stacked {
	E := len(epochs)
	r := func(shape ...int) *sdk.Tensor {
		d := make([]float32, sdk.NumElements(shape))
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		return sdk.FromFloat32(d, shape...)
	}
	return map[string]*sdk.Stacked{Source: {Epochs: epochs, Arrays: map[string]*sdk.Tensor{
		WE: r(E, p+1, dModel), WIn: r(E, dModel, n), WOut: r(E, n, dModel), WU: r(E, dModel, p),
		"pos_embed.W_pos": r(E, 3, dModel),
	}}}
}

// TestPerEpoch: the served form computes each epoch as Compute does and
// stacks the results.
func TestPerEpoch(t *testing.T) {
	const p = 11
	in := snapshot(rand.New(rand.NewPCG(1, 2)), []int{0, 10, 30}, p, 6, 5)
	out, err := New().AnalyzeAcross(context.Background(), &sdk.Run{}, in)
	if err != nil {
		t.Fatal(err)
	}
	tr := fourier.NewTransformer(fourier.Basis(p), p)
	for i := range 3 {
		one := map[string]*sdk.Tensor{}
		for name, x := range in[Source].Arrays {
			n := x.Len() / 3
			one[name] = sdk.FromFloat32(x.Float32s()[i*n:(i+1)*n], x.Shape()[1:]...)
		}
		res, err := Compute(tr, one)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range res.Arrays {
			got := out[name]
			n := len(want.Bytes())
			if got.ShapeString() != "(3, 5, 5)" || string(got.Bytes()[i*n:(i+1)*n]) != string(want.Bytes()) {
				t.Errorf("%s epoch %d differs (%v)", name, i, got)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	in := snapshot(rand.New(rand.NewPCG(3, 4)), []int{1, 2}, 7, 4, 3)
	run := &sdk.Run{}
	delete(in[Source].Arrays, WIn)
	if _, err := New().AnalyzeAcross(ctx, run, in); err == nil || !strings.Contains(err.Error(), "neuron_fourier: epoch 1: parameter_snapshot/blocks.0.mlp.W_in") {
		t.Errorf("no W_in: %v", err)
	}
	delete(in[Source].Arrays, WU)
	if _, err := New().AnalyzeAcross(ctx, run, in); err == nil || !strings.Contains(err.Error(), "parameter_snapshot/unembed.W_U is <nil>") {
		t.Errorf("no W_U: %v", err)
	}
}

func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/neuron_fourier/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	const p = 13
	in := snapshot(rand.New(rand.NewPCG(5, 6)), []int{0, 4}, p, 8, 6)
	run := &sdk.Run{}
	want, err := New().AnalyzeAcross(context.Background(), run, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sdktest.Analyzer(t, New(), sdktest.Options{}).AnalyzeAcross(context.Background(), run, in)
	if err != nil {
		t.Fatal(err)
	}
	sdktest.SameTensors(t, "array", want, got)
	// Per epoch, the arrays are as declared (the epoch axis dropped).
	one := map[string]*sdk.Tensor{}
	for name, x := range got {
		one[name] = sdk.NewTensor(x.DType(), x.Shape()[1:]...)
	}
	if err := m.CheckArrays(one, false); err != nil {
		t.Error(err)
	}
	if len(got) != len(m.Outputs) {
		t.Errorf("%d arrays, %d declared", len(got), len(m.Outputs))
	}
}

func BenchmarkCompute(b *testing.B) {
	const p = 113
	in := snapshot(rand.New(rand.NewPCG(1, 2)), []int{0}, p, 128, 512)
	one := map[string]*sdk.Tensor{}
	for name, x := range in[Source].Arrays {
		one[name] = x.Reshape(x.Shape()[1:]...)
	}
	tr := fourier.NewTransformer(fourier.Basis(p), p)
	b.Run("p=113", func(b *testing.B) {
		for b.Loop() {
			if _, err := Compute(tr, one); err != nil {
				b.Fatal(err)
			}
		}
	})
}
