package attnfourier

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

func begin(t testing.TB, p int) *Analyzer {
	t.Helper()
	a := New()
	if err := a.Begin(context.Background(), &sdk.Run{Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}); err != nil {
		t.Fatal(err)
	}
	return a
}

// pick returns an (n_heads, d_model, d_head) weight whose head h copies the
// model axes axes[h][c] to head axis c.
func pick(dModel, dHead int, axes [][]int) *sdk.Tensor {
	w := make([]float32, len(axes)*dModel*dHead)
	for h, ax := range axes {
		for c, m := range ax {
			w[(h*dModel+m)*dHead+c] = 1
		}
	}
	return sdk.FromFloat32(w, len(axes), dModel, dHead)
}

// TestKnownFrequencies: the residue tokens are embedded as 2·(cos, sin) of
// frequency 3 on axes 0, 1 and 1·(cos, sin) of frequency 7 on axes 2, 3.
// Head 0 queries and keys axes 0, 1 (pure 3), head 1 axes 2, 3 (pure 7), head
// 2 queries frequency 3 with keys of frequency 7 (no diagonal block: all 0);
// every head's values read axes 0-3, which hold 4:1 of the energy at 3 and 7.
func TestKnownFrequencies(t *testing.T) {
	const p, dModel, dHead, k1, k2 = 17, 6, 4, 3, 7
	we := make([]float32, (p+1)*dModel)
	for x := 0; x < p; x++ {
		w1, w2 := 2*math.Pi*float64(k1*x%p)/p, 2*math.Pi*float64(k2*x%p)/p
		row := we[x*dModel : (x+1)*dModel]
		row[0], row[1] = float32(2*math.Cos(w1)), float32(2*math.Sin(w1))
		row[2], row[3] = float32(math.Cos(w2)), float32(math.Sin(w2))
		row[4] = 5 // a constant: no frequency
	}
	we[p*dModel+5] = 9 // the "=" token is not a residue: left out
	weights := map[string]*sdk.Tensor{
		WE: sdk.FromFloat32(we, p+1, dModel),
		WQ: pick(dModel, dHead, [][]int{{0, 1}, {2, 3}, {0, 1}}),
		WK: pick(dModel, dHead, [][]int{{0, 1}, {2, 3}, {2, 3}}),
		WV: pick(dModel, dHead, [][]int{{0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3}}),
	}
	res, err := begin(t, p).Analyze(context.Background(), &sdk.Checkpoint{Weights: weights})
	if err != nil {
		t.Fatal(err)
	}
	nf := fourier.NumFreq(p)
	qk, v := res.Arrays["qk_freq_norms"], res.Arrays["v_freq_norms"]
	if qk.ShapeString() != fmt.Sprintf("(3, %d)", nf) || qk.DType() != sdk.Float32 {
		t.Fatalf("qk_freq_norms is %v", qk)
	}
	wantQK := []map[int]float64{{k1: 1}, {k2: 1}, {}}
	for h, want := range wantQK {
		for k := 1; k <= nf; k++ {
			if g := float64(qk.Float32s()[h*nf+k-1]); !eq(g, want[k], 1e-6) {
				t.Errorf("head %d, k=%d: QK share %v, want %v", h, k, g, want[k])
			}
			wv := map[int]float64{k1: 0.8, k2: 0.2}[k]
			if g := float64(v.Float32s()[h*nf+k-1]); !eq(g, wv, 1e-6) {
				t.Errorf("head %d, k=%d: V share %v, want %v", h, k, g, wv)
			}
		}
	}
	if g := fmt.Sprint(res.Summary["qk_dominant_frequency"].Int64s()); g != "[3 7 0]" {
		t.Errorf("qk_dominant_frequency %s, want [3 7 0]", g)
	}
	if g := fmt.Sprint(res.Summary["v_dominant_frequency"].Int64s()); g != "[3 3 3]" {
		t.Errorf("v_dominant_frequency %s, want [3 3 3]", g)
	}
}

func randomWeights(rng *rand.Rand, p, dModel, heads, dHead int) map[string]*sdk.Tensor {
	r := func(shape ...int) *sdk.Tensor {
		d := make([]float32, sdk.NumElements(shape))
		for i := range d {
			d[i] = float32(rng.NormFloat64() * 0.07)
		}
		return sdk.FromFloat32(d, shape...)
	}
	return map[string]*sdk.Tensor{WE: r(p+1, dModel), WQ: r(heads, dModel, dHead), WK: r(heads, dModel, dHead), WV: r(heads, dModel, dHead)}
}

func TestSharesSumToOne(t *testing.T) {
	const p = 23
	res, err := begin(t, p).Analyze(context.Background(), &sdk.Checkpoint{Weights: randomWeights(rand.New(rand.NewPCG(81, 82)), p, 16, 4, 8)})
	if err != nil {
		t.Fatal(err)
	}
	nf := fourier.NumFreq(p)
	for _, name := range []string{"qk_freq_norms", "v_freq_norms"} {
		x := res.Arrays[name].Float32s()
		for h := 0; h < 4; h++ {
			var s float64
			for _, v := range x[h*nf : (h+1)*nf] {
				s += float64(v)
			}
			if !eq(s, 1, 1e-5) {
				t.Errorf("%s head %d: shares sum to %v", name, h, s)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	if err := New().Begin(context.Background(), &sdk.Run{}); err == nil || !strings.Contains(err.Error(), "fourier_basis") {
		t.Errorf("no basis: %v", err)
	}
	w := randomWeights(rand.New(rand.NewPCG(1, 2)), 5, 4, 2, 3)
	w[WK] = sdk.NewTensor(sdk.Float32, 2, 4, 2)
	if _, err := begin(t, 5).Analyze(context.Background(), &sdk.Checkpoint{Epoch: 3, Weights: w}); err == nil || !strings.Contains(err.Error(), "epoch 3: weight blocks.0.attn.W_K") {
		t.Errorf("mismatched W_K: %v", err)
	}
	delete(w, WE)
	if _, err := begin(t, 5).Analyze(context.Background(), &sdk.Checkpoint{Weights: w}); err == nil || !strings.Contains(err.Error(), "embed.W_E") {
		t.Errorf("no W_E: %v", err)
	}
}

func TestThroughPlugin(t *testing.T) {
	const p = 13
	cp := &sdk.Checkpoint{Epoch: 2, Weights: randomWeights(rand.New(rand.NewPCG(91, 92)), p, 8, 4, 4)}
	want, err := begin(t, p).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	run := &sdk.Run{Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, run, cp)
	sdktest.SameResult(t, want, got)
	m, err := manifestcheck.Load("../../../../analyzers/attention_fourier/analyzer.json")
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
	if len(got.Arrays) != len(m.Outputs) || len(got.Summary) != len(m.Summary) {
		t.Errorf("%d arrays and %d summary statistics, %d and %d declared", len(got.Arrays), len(got.Summary), len(m.Outputs), len(m.Summary))
	}
}

func BenchmarkAnalyze(b *testing.B) {
	const p = 113
	cp := &sdk.Checkpoint{Weights: randomWeights(rand.New(rand.NewPCG(1, 2)), p, 128, 4, 32)}
	a := begin(b, p)
	b.Run("p=113", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Analyze(context.Background(), cp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
