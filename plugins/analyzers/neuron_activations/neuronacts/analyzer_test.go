package neuronacts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

func begin(t testing.TB, layers int, dtype string, grid []int64) *Analyzer {
	t.Helper()
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: layers}, Settings: sdk.Params{"dtype": dtype}, Context: map[string]*sdk.Tensor{}}
	if grid != nil {
		run.Context["probe_shape"] = sdk.FromInt64(grid, len(grid))
	}
	a := New()
	if err := a.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	return a
}

// hooks returns hook_post per layer whose value encodes (layer, row, neuron),
// small enough integers to be exact in float16.
func hooks(layers, batch, dmlp int) (map[string]*sdk.Tensor, func(l, b, n int) float32) {
	val := func(l, b, n int) float32 { return float32(l*100 + (b%37)*3 + n%3) }
	h := map[string]*sdk.Tensor{}
	for l := 0; l < layers; l++ {
		d := make([]float32, batch*dmlp)
		for b := 0; b < batch; b++ {
			for n := 0; n < dmlp; n++ {
				d[b*dmlp+n] = val(l, b, n)
			}
		}
		h[HookName(l)] = sdk.FromFloat32(d, batch, dmlp)
	}
	return h, val
}

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		name          string
		layers, p, dm int
		grid          bool
		dtype         string
		shape         string
	}{
		{"1 layer grid f16", 1, 7, 5, true, "float16", "(5, 7, 7)"},
		{"2 layers grid f32", 2, 5, 70, true, "float32", "(140, 5, 5)"},
		{"no grid f16 tiles", 1, 13, 130, false, "float16", "(130, 169)"},
	} {
		a := begin(t, tc.layers, tc.dtype, map[bool][]int64{true: {int64(tc.p), int64(tc.p)}}[tc.grid])
		h, val := hooks(tc.layers, tc.p*tc.p, tc.dm)
		res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: h})
		if err != nil {
			t.Fatal(err)
		}
		out := res.Arrays["activations"]
		if out.ShapeString() != tc.shape || string(out.DType()) != tc.dtype {
			t.Fatalf("%s: activations is %v, want %s%s", tc.name, out, tc.dtype, tc.shape)
		}
		got := out.AsFloat64()
		B := tc.p * tc.p
		for l := 0; l < tc.layers; l++ {
			for n := 0; n < tc.dm; n++ {
				for b := 0; b < B; b++ {
					if w := float64(val(l, b, n)); got[(l*tc.dm+n)*B+b] != w {
						t.Fatalf("%s: [%d, a=%d, b=%d] = %g, want %g", tc.name, l*tc.dm+n, b/tc.p, b%tc.p, got[(l*tc.dm+n)*B+b], w)
					}
				}
			}
		}
	}
}

// TestFloat16Rounding checks that float16 output is the nearest half of each
// activation (relative error ≤ 2⁻¹¹), not a truncation.
func TestFloat16Rounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const B, dm = 16, 4
	d := make([]float32, B*dm)
	for i := range d {
		d[i] = float32(rng.ExpFloat64())
	}
	a := begin(t, 1, "float16", nil)
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{HookName(0): sdk.FromFloat32(d, B, dm)}})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Arrays["activations"].AsFloat64()
	for b := 0; b < B; b++ {
		for n := 0; n < dm; n++ {
			w := float64(d[b*dm+n])
			if g := got[n*B+b]; g < w*(1-1.0/2048) || g > w*(1+1.0/2048) {
				t.Errorf("[%d, %d] = %g, want %g within 2^-11", n, b, g, w)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		run  *sdk.Run
		err  string
	}{
		{"bad dtype", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"dtype": "int8"}}, `"dtype"`},
		{"no dtype", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}}, `"dtype" is missing`},
		{"attn only", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1, AttnOnly: true}, Settings: sdk.Params{"dtype": "float16"}}, "attention-only"},
		{"bad grid", &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"dtype": "float16"},
			Context: map[string]*sdk.Tensor{"probe_shape": sdk.FromInt64([]int64{3, 0}, 2)}}, "probe_shape"},
	} {
		if err := New().Begin(ctx, tc.run); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.err)
		}
	}
	a := begin(t, 2, "float32", []int64{3, 3})
	h, _ := hooks(2, 9, 4)
	for _, tc := range []struct {
		name  string
		hooks map[string]*sdk.Tensor
		err   string
	}{
		{"missing layer 1", map[string]*sdk.Tensor{HookName(0): h[HookName(0)]}, "blocks.1.mlp.hook_post missing"},
		{"all positions", map[string]*sdk.Tensor{HookName(0): sdk.NewTensor(sdk.Float32, 9, 3, 4), HookName(1): h[HookName(1)]}, "want (batch, d_mlp)"},
		{"grid mismatch", map[string]*sdk.Tensor{HookName(0): sdk.NewTensor(sdk.Float32, 8, 4), HookName(1): h[HookName(1)]}, "does not factor"},
		{"layers differ", map[string]*sdk.Tensor{HookName(0): h[HookName(0)], HookName(1): sdk.NewTensor(sdk.Float32, 9, 5)}, "layer 0 has (9, 4)"},
	} {
		_, err := a.Analyze(ctx, &sdk.Checkpoint{Epoch: 12, Hooks: tc.hooks})
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "epoch 12") {
			t.Errorf("%s: err = %v, want one naming the epoch and containing %q", tc.name, err, tc.err)
		}
	}
}

// BenchmarkAnalyze times one checkpoint; p = 113, d_mlp = 512 is the
// calibration model.
func BenchmarkAnalyze(b *testing.B) {
	for _, sz := range []struct {
		p, dm int
		dtype string
	}{{59, 512, "float16"}, {113, 512, "float32"}, {113, 512, "float16"}} {
		b.Run(fmt.Sprintf("p=%d/d_mlp=%d/%s", sz.p, sz.dm, sz.dtype), func(b *testing.B) {
			a := begin(b, 1, sz.dtype, []int64{int64(sz.p), int64(sz.p)})
			h, _ := hooks(1, sz.p*sz.p, sz.dm)
			cp := &sdk.Checkpoint{Hooks: h}
			for b.Loop() {
				if _, err := a.Analyze(context.Background(), cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestThroughPlugin runs the analyzer through the real gRPC plugin path,
// shared memory included, and checks it returns what the in-process call
// returns.
func TestThroughPlugin(t *testing.T) {
	const p, dm = 11, 20
	h, _ := hooks(1, p*p, dm)
	cp := &sdk.Checkpoint{Epoch: 9, Hooks: h}
	want, err := begin(t, 1, "float16", []int64{p, p}).Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Settings: sdk.Params{"dtype": "float16"},
		Context: map[string]*sdk.Tensor{"probe_shape": sdk.FromInt64([]int64{p, p}, 2)}}
	got := sdktest.AnalyzeOnce(t, New(), sdktest.Options{SharedMemory: true}, run, cp)
	sdktest.SameResult(t, want, got)
}

// TestManifest holds the analyzer to its analyzer.json: Info matches, the
// declared parameter defaults are accepted, and every returned array is
// declared with its dtype and rank.
func TestManifest(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/neuron_activations/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckInfo(New().Info()); err != nil {
		t.Fatal(err)
	}
	a := New()
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 2}, Settings: m.Defaults(), Context: map[string]*sdk.Tensor{"probe_shape": sdk.FromInt64([]int64{5, 5}, 2)}}
	if err := a.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	h, _ := hooks(2, 25, 6)
	res, err := a.Analyze(context.Background(), &sdk.Checkpoint{Hooks: h})
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
