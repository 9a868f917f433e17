package gradsite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

func eq(a, b, tol float64) bool { return scalar.EqualWithinAbsOrRel(a, b, tol, tol) }

// planted is an sdk.Host whose gradients are fixed tensors; it records what
// it was asked for.
type planted struct {
	grads map[string]*sdk.Tensor
	loss  float64
	names []string
	split sdk.Split
}

func (h *planted) Evaluate(context.Context, sdk.EvalRequest) (*sdk.EvalResult, error) {
	return nil, errors.New("planted: no evaluation")
}

func (h *planted) Forward(context.Context, []string, string) (map[string]*sdk.Tensor, error) {
	return nil, errors.New("planted: no forward pass")
}

func (h *planted) Gradient(_ context.Context, req sdk.GradRequest) (*sdk.GradResult, error) {
	h.names, h.split = slices.Clone(req.Names), req.Split
	out := map[string]*sdk.Tensor{}
	for _, name := range req.Names {
		g, ok := h.grads[name]
		if !ok {
			return nil, fmt.Errorf("planted: no gradient for %s", name)
		}
		out[name] = g
	}
	return &sdk.GradResult{Loss: h.loss, Grads: out}, nil
}

func begin(t testing.TB, p int, host sdk.Host, settings sdk.Params) *Analyzer {
	t.Helper()
	a := New()
	if err := a.Begin(context.Background(), &sdk.Run{Settings: settings, Host: host, Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}); err != nil {
		t.Fatal(err)
	}
	return a
}

func wave(k, x, p int) (float64, float64) {
	w := 2 * math.Pi * float64(k*x%p) / float64(p)
	return math.Cos(w), math.Sin(w)
}

// plantedModel: p = 13, d_model 6, 2 heads of 3, d_mlp 5. The residue tokens
// are embedded as (cos, sin) of k1 on axes 0, 1, of k2 on axes 2, 3, and a
// constant on axis 4. The embedding's gradient is amp·cos(k1·x)·u plus a
// constant (the "=" row is large and must be left out); W_in's gradient reads
// axes 0, 1 (all k1) and the attention gradients axes 2, 3 (all k2), plus
// the constant axis 4, which is in no band.
func plantedModel(rng *rand.Rand, p, k1, k2 int, amp float64, u []float64, mlp bool) (map[string]*sdk.Tensor, *planted) {
	const dModel, heads, dHead, dMLP = 6, 2, 3, 5
	we := make([]float32, (p+1)*dModel)
	gE := make([]float32, (p+1)*dModel)
	for x := 0; x < p; x++ {
		c1, s1 := wave(k1, x, p)
		c2, s2 := wave(k2, x, p)
		row := we[x*dModel : (x+1)*dModel]
		row[0], row[1], row[2], row[3], row[4] = float32(c1), float32(s1), float32(c2), float32(s2), 1
		for c := range dModel {
			gE[x*dModel+c] = float32(amp*c1*u[c] + 0.3)
		}
	}
	for c := range dModel {
		gE[p*dModel+c] = 100
	}
	reads := func(axes []int, cols int) []float32 {
		w := make([]float32, dModel*cols)
		for _, ax := range axes {
			for c := range cols {
				w[ax*cols+c] = float32(rng.NormFloat64())
			}
		}
		return w
	}
	attn := func() *sdk.Tensor {
		w := make([]float32, 0, heads*dModel*dHead)
		for range heads {
			w = append(w, reads([]int{2, 3, 4}, dHead)...)
		}
		return sdk.FromFloat32(w, heads, dModel, dHead)
	}
	gIn := sdk.FromFloat32(reads([]int{0, 1, 4}, dMLP), dModel, dMLP)
	if !mlp {
		gIn = sdk.NewTensor(sdk.Float32, dModel, dMLP)
	}
	h := &planted{loss: 2.5, grads: map[string]*sdk.Tensor{
		WE: sdk.FromFloat32(gE, p+1, dModel), WQ: attn(), WK: attn(), WV: attn(), WIn: gIn,
	}}
	return map[string]*sdk.Tensor{WE: sdk.FromFloat32(we, p+1, dModel)}, h
}

// TestPlantedFrequencies: a gradient that is a pure frequency-k pattern in
// token space puts all its (unit) energy at k; the embedding's magnitude is
// amp·‖u‖·√(p/(2·d_model)) (the cos k row of F holds amp·u_c·√(p/2)); sites
// at the same frequency have similarity 1, at different ones 0, and a site
// with no gradient has magnitude 0, energies 0 and NaN similarities.
func TestPlantedFrequencies(t *testing.T) {
	const p, k1, k2, amp = 13, 2, 5, 0.7
	u := []float64{1, -2, 0.5, 0, 3, 1}
	nf := fourier.NumFreq(p)
	for _, mlp := range []bool{true, false} {
		t.Run(fmt.Sprintf("mlp=%v", mlp), func(t *testing.T) {
			w, h := plantedModel(rand.New(rand.NewPCG(3, 4)), p, k1, k2, amp, u, mlp)
			res, err := begin(t, p, h, nil).Analyze(context.Background(), &sdk.Checkpoint{Epoch: 9, Weights: w})
			if err != nil {
				t.Fatal(err)
			}
			if h.split != sdk.SplitTrain || !slices.Equal(h.names, []string{WE, WQ, WK, WV, WIn}) {
				t.Errorf("host asked for %v on %q", h.names, h.split)
			}
			want := map[string]int{"embedding": k1, "attention": k2, "mlp": k1}
			if !mlp {
				want["mlp"] = 0
			}
			for _, site := range Sites {
				e := res.Arrays["energy_"+site]
				if e.DType() != sdk.Float64 || e.ShapeString() != fmt.Sprintf("(%d,)", nf) {
					t.Fatalf("energy_%s is %v", site, e)
				}
				for k := 1; k <= nf; k++ {
					w := 0.0
					if k == want[site] {
						w = 1
					}
					// float32 inputs: 1e-8 of leakage into other bands.
					if g := e.Float64s()[k-1]; !eq(g, w, 1e-6) {
						t.Errorf("%s: energy at k=%d is %v, want %v", site, k, g, w)
					}
				}
				if !slices.Equal(e.Float64s(), res.Summary["energy_"+site].Float64s()) {
					t.Errorf("summary energy_%s differs from the array", site)
				}
			}
			var uu float64
			for _, x := range u {
				uu += x * x
			}
			wantMag := amp * math.Sqrt(uu) * math.Sqrt(float64(p)/(2*6))
			if g := res.Summary["magnitude_embedding"].Float64s()[0]; !eq(g, wantMag, 1e-6) {
				t.Errorf("magnitude_embedding %v, want %v", g, wantMag)
			}
			sim := func(name string) float64 { return res.Summary[name].Float64s()[0] }
			if g := sim("similarity_emb_attn"); !eq(g, 0, 1e-6) {
				t.Errorf("similarity_emb_attn %v, want 0", g)
			}
			if mlp {
				if g, m := sim("similarity_emb_mlp"), res.Summary["magnitude_mlp"].Float64s()[0]; !eq(g, 1, 1e-6) || !(m > 0) {
					t.Errorf("similarity_emb_mlp %v (magnitude %v), want 1", g, m)
				}
				if g := sim("similarity_attn_mlp"); !eq(g, 0, 1e-6) {
					t.Errorf("similarity_attn_mlp %v, want 0", g)
				}
			} else {
				if m := res.Summary["magnitude_mlp"].Float64s()[0]; m != 0 {
					t.Errorf("magnitude_mlp %v with no gradient", m)
				}
				if g, a := sim("similarity_emb_mlp"), sim("similarity_attn_mlp"); !math.IsNaN(g) || !math.IsNaN(a) {
					t.Errorf("similarities with no MLP gradient: %v, %v, want NaN", g, a)
				}
			}
			if l := res.Summary["loss"].Float64s()[0]; l != 2.5 {
				t.Errorf("loss %v, want the host's 2.5", l)
			}
		})
	}
}

// TestAttentionIsMeanOverMatrices: with two frequencies in different heads
// the attention energy is the RMS over all 3·n_heads·d_head columns, as the
// reference's mean over (matrix, head) of each one's mean: a random gradient
// checked against that formula computed head by head.
func TestAttentionIsMeanOverMatrices(t *testing.T) {
	const p = 11
	rng := rand.New(rand.NewPCG(5, 6))
	w, h := plantedModel(rng, p, 1, 3, 1, []float64{1, 1, 1, 1, 1, 1}, true)
	for _, name := range []string{WQ, WK, WV} {
		g := h.grads[name].Float32s()
		for i := range g {
			g[i] = float32(rng.NormFloat64())
		}
	}
	res, err := begin(t, p, h, sdk.Params{"split": "all"}).Analyze(context.Background(), &sdk.Checkpoint{Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	if h.split != sdk.SplitAll {
		t.Errorf("split %q, want all", h.split)
	}
	// Reference: per (matrix, head) the mean over d_head of C² at k, summed,
	// divided by the number of (matrix, head), square root.
	F := fourier.Basis(p)
	e := w[WE].AsFloat64()[:p*6]
	nf := fourier.NumFreq(p)
	sq := make([]float64, nf)
	n := 0
	for _, name := range []string{WQ, WK, WV} {
		g := h.grads[name].AsFloat64()
		for hd := 0; hd < 2; hd++ {
			for k := 1; k <= nf; k++ {
				var s float64
				for c := 0; c < 3; c++ {
					for _, row := range []int{2*k - 1, 2 * k} {
						var v float64
						for x := 0; x < p; x++ {
							var ew float64
							for m := 0; m < 6; m++ {
								ew += e[x*6+m] * g[(hd*6+m)*3+c]
							}
							v += F[row*p+x] * ew
						}
						s += v * v
					}
				}
				sq[k-1] += s / 3
			}
			n++
		}
	}
	var norm float64
	for k := range sq {
		sq[k] = math.Sqrt(sq[k] / float64(n))
		norm += sq[k] * sq[k]
	}
	norm = math.Sqrt(norm)
	if g := res.Summary["magnitude_attention"].Float64s()[0]; !eq(g, norm, 1e-9) {
		t.Errorf("magnitude_attention %v, want %v", g, norm)
	}
	for k, v := range res.Arrays["energy_attention"].Float64s() {
		if !eq(v, sq[k]/norm, 1e-9) {
			t.Errorf("energy_attention[%d] = %v, want %v", k, v, sq[k]/norm)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	basis := map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(13)}
	_, h := plantedModel(rand.New(rand.NewPCG(1, 2)), 13, 1, 2, 1, make([]float64, 6), true)
	for _, tc := range []struct {
		run  *sdk.Run
		want string
	}{
		{&sdk.Run{Context: basis}, "needs the host callback"},
		{&sdk.Run{Host: h}, "fourier_basis"},
		{&sdk.Run{Host: h, Context: basis, Settings: sdk.Params{"split": "dev"}}, `"split" is "dev"`},
		{&sdk.Run{Host: h, Context: basis, Model: sdk.ModelConfig{AttnOnly: true}}, "attention-only"},
	} {
		if err := New().Begin(ctx, tc.run); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Begin: err = %v, want %q", err, tc.want)
		}
	}
	w, h := plantedModel(rand.New(rand.NewPCG(1, 2)), 13, 1, 2, 1, make([]float64, 6), true)
	h.grads[WK] = sdk.NewTensor(sdk.Float32, 2, 6, 4)
	if _, err := begin(t, 13, h, nil).Analyze(ctx, &sdk.Checkpoint{Epoch: 4, Weights: w}); err == nil || !strings.Contains(err.Error(), "epoch 4: gradient from the host: blocks.0.attn.W_K") {
		t.Errorf("mismatched W_K gradient: %v", err)
	}
	delete(h.grads, WIn)
	if _, err := begin(t, 13, h, nil).Analyze(ctx, &sdk.Checkpoint{Weights: w}); err == nil || !strings.Contains(err.Error(), "no gradient for blocks.0.mlp.W_in") {
		t.Errorf("host failing: %v", err)
	}
	if _, err := begin(t, 13, h, nil).Analyze(ctx, &sdk.Checkpoint{}); err == nil || !strings.Contains(err.Error(), WE) {
		t.Errorf("no W_E: %v", err)
	}
}

// TestThroughPlugin: the analyzer run through the plugin path, with the
// planted host served through the go-plugin broker and analyzer.json's
// defaults, answers exactly what it answers in-process, as declared.
func TestThroughPlugin(t *testing.T) {
	const p = 13
	m, err := manifestcheck.Load("../../../../analyzers/gradient_site/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	u := []float64{0.2, 1, -1, 0.5, 0, 2}
	w, local := plantedModel(rand.New(rand.NewPCG(7, 8)), p, 4, 6, 1.5, u, true)
	cp := &sdk.Checkpoint{Epoch: 2, Weights: w}
	want, err := begin(t, p, local, m.Defaults()).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	_, remote := plantedModel(rand.New(rand.NewPCG(7, 8)), p, 4, 6, 1.5, u, true)
	run := &sdk.Run{Settings: m.Defaults(), Host: remote, Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, run, cp)
	sdktest.SameResult(t, want, got)
	if remote.split != local.split || !slices.Equal(remote.names, local.names) {
		t.Errorf("through the plugin the host was asked for %v on %q, in-process %v on %q", remote.names, remote.split, local.names, local.split)
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
	if len(got.Arrays) != len(m.Outputs) || len(got.Summary) != len(m.Summary) {
		t.Errorf("%d arrays and %d summary statistics, %d and %d declared", len(got.Arrays), len(got.Summary), len(m.Outputs), len(m.Summary))
	}
}

// BenchmarkAnalyze times the analyzer's own work at p = 113 with the
// calibration model's shapes (the host's backward pass is not included: the
// planted host answers at once).
func BenchmarkAnalyze(b *testing.B) {
	const p, dModel, heads, dHead, dMLP = 113, 128, 4, 32, 512
	rng := rand.New(rand.NewPCG(1, 2))
	r := func(shape ...int) *sdk.Tensor {
		d := make([]float32, sdk.NumElements(shape))
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 0.07)
		}
		return sdk.FromFloat32(d, shape...)
	}
	h := &planted{grads: map[string]*sdk.Tensor{
		WE: r(p+1, dModel), WQ: r(heads, dModel, dHead), WK: r(heads, dModel, dHead), WV: r(heads, dModel, dHead), WIn: r(dModel, dMLP),
	}}
	cp := &sdk.Checkpoint{Weights: map[string]*sdk.Tensor{WE: r(p+1, dModel)}}
	a := begin(b, p, h, nil)
	b.Run("p=113", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Analyze(context.Background(), cp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
