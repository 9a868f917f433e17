package attnfreq

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

func begin(t testing.TB, p, layers, key int) *Analyzer {
	t.Helper()
	a := New()
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: layers, NCtx: 3}, Settings: sdk.Params{"key_position": int64(key)},
		Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
	if err := a.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	return a
}

// patterns builds a last-query hook_pattern [p², heads, 3]: head h attends to
// key 0 with weight 0.5 + 0.4·cos(k_h a + φ), the rest split over keys 1, 2.
func patterns(p int, freqs []int, layer int) *sdk.Tensor {
	heads := len(freqs)
	d := make([]float32, p*p*heads*3)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			for h, k := range freqs {
				w0 := 0.5 + 0.4*math.Cos(2*math.Pi*float64(k*(a+layer*b)%p)/float64(p)+0.3)
				o := ((a*p+b)*heads + h) * 3
				d[o], d[o+1], d[o+2] = float32(w0), float32((1-w0)/2), float32((1-w0)/2)
			}
		}
	}
	return sdk.FromFloat32(d, p*p, heads, 3)
}

func TestKnownFrequencies(t *testing.T) {
	const p = 13
	freqs := [][]int{{1, 4, 6}, {2, 2, 5}}
	a := begin(t, p, 2, 0)
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{
		HookName(0): patterns(p, freqs[0], 0), HookName(1): patterns(p, freqs[1], 1)}})
	if err != nil {
		t.Fatal(err)
	}
	fm := res.Arrays["freq_matrix"]
	if fm.ShapeString() != "(6, 6)" || fm.DType() != sdk.Float32 {
		t.Fatalf("freq_matrix is %v", fm)
	}
	v := fm.Float32s()
	var wantDom []int64
	for l, fs := range freqs {
		for h, k := range fs {
			col := l*3 + h
			wantDom = append(wantDom, int64(k))
			for f := 1; f <= 6; f++ {
				want := 0.0
				if f == k {
					want = 1
				}
				if !scalar.EqualWithinAbsOrRel(float64(v[(f-1)*6+col]), want, 1e-5, 1e-5) {
					t.Errorf("layer %d head %d, k=%d: %g, want %g", l, h, f, v[(f-1)*6+col], want)
				}
			}
		}
	}
	if got := res.Summary["dominant_frequency"].Int64s(); fmt.Sprint(got) != fmt.Sprint(wantDom) {
		t.Errorf("dominant_frequency = %v, want %v", got, wantDom)
	}
	for h, f := range res.Summary["dominant_fraction"].Float64s() {
		if !scalar.EqualWithinAbsOrRel(f, 1, 1e-6, 1e-6) {
			t.Errorf("dominant_fraction[%d] = %g, want 1", h, f)
		}
	}
}

// TestKeyPosition checks that the key_position parameter picks the key: key 1
// carries (1-w0)/2, the same frequency as key 0.
func TestKeyPosition(t *testing.T) {
	const p = 11
	a := begin(t, p, 1, 1)
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{HookName(0): patterns(p, []int{3}, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Summary["dominant_frequency"].Int64s()[0]; got != 3 {
		t.Errorf("key 1: dominant frequency %d, want 3", got)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	basis := map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(5)}
	if err := New().Begin(ctx, &sdk.Run{Model: sdk.ModelConfig{NLayers: 1, NCtx: 3}, Settings: sdk.Params{"key_position": int64(3)}, Context: basis}); err == nil || !strings.Contains(err.Error(), `"key_position" is 3`) {
		t.Errorf("key beyond n_ctx: err = %v", err)
	}
	a := begin(t, 5, 1, 0)
	for _, tc := range []struct {
		name string
		hook *sdk.Tensor
		err  string
	}{
		{"all queries", sdk.NewTensor(sdk.Float32, 25, 4, 3, 3), "want (p² = 25, n_heads, n_k)"},
		{"batch", sdk.NewTensor(sdk.Float32, 24, 4, 3), "want (p² = 25"},
		{"no keys", sdk.NewTensor(sdk.Float32, 25, 4, 0), "beyond"},
	} {
		_, err := a.Analyze(ctx, &sdk.Checkpoint{Epoch: 7, Hooks: map[string]*sdk.Tensor{HookName(0): tc.hook}})
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "epoch 7") {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

// BenchmarkAnalyze times one checkpoint; p = 113 with 4 heads is the
// calibration model.
func BenchmarkAnalyze(b *testing.B) {
	for _, sz := range []struct{ p, heads int }{{59, 4}, {113, 4}, {113, 16}} {
		b.Run(fmt.Sprintf("p=%d/heads=%d", sz.p, sz.heads), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 3))
			fs := make([]int, sz.heads)
			for i := range fs {
				fs[i] = 1 + rng.IntN(fourier.NumFreq(sz.p))
			}
			a := begin(b, sz.p, 1, 0)
			cp := &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{HookName(0): patterns(sz.p, fs, 0)}}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestThroughPlugin runs the analyzer through the real gRPC plugin path and
// checks it returns what the in-process call returns, summary included.
func TestThroughPlugin(t *testing.T) {
	const p = 11
	cp := &sdk.Checkpoint{Epoch: 3, Hooks: map[string]*sdk.Tensor{HookName(0): patterns(p, []int{1, 5, 2, 2}, 0)}}
	want, err := begin(t, p, 1, 0).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 1, NCtx: 3}, Settings: sdk.Params{"key_position": int64(0)},
		Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(p)}}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{}, run, cp)
	sdktest.SameResult(t, want, got)
}

// TestManifest holds the analyzer to its analyzer.json: Info matches, the
// declared parameter defaults are accepted, and every returned array is
// declared with its dtype and rank.
func TestManifest(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/attention_freq/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	a := New()
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 1, NCtx: 3}, Settings: m.Defaults(), Context: map[string]*sdk.Tensor{"fourier_basis": fourier.BasisTensor(7)}}
	if err := a.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{HookName(0): patterns(7, []int{1, 2}, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Arrays)+len(res.Summary) == 0 {
		t.Fatal("no arrays returned")
	}
	if err := m.CheckArrays(res.Arrays, false); err != nil {
		t.Error(err)
	}
	if err := m.CheckArrays(res.Summary, true); err != nil {
		t.Error(err)
	}
}
