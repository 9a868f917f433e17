package attnpatterns

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// randomPatterns returns a [B, h, q, k] hook whose entries encode their own
// coordinates plus a seeded random offset, so that any misplaced element shows.
func randomPatterns(rng *rand.Rand, b, h, q, k int, layer int) *sdk.Tensor {
	data := make([]float32, b*h*q*k)
	for i := range data {
		data[i] = float32(layer*1000000+i) + float32(rng.Float64())/4
	}
	return sdk.FromFloat32(data, b, h, q, k)
}

func TestPatternsLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct {
		name          string
		layers, p     int
		grid          bool
		heads, nq, nk int
		wantShape     []int
	}{
		{"1 layer grid", 1, 5, true, 4, 3, 3, []int{4, 3, 3, 5, 5}},
		{"2 layers grid", 2, 3, true, 2, 3, 3, []int{4, 3, 3, 3, 3}},
		{"2 layers flat", 2, 3, false, 3, 4, 4, []int{6, 4, 4, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batch := tc.p * tc.p
			run := &sdk.Run{Model: sdk.ModelConfig{NLayers: tc.layers}, Context: map[string]*sdk.Tensor{}}
			if tc.grid {
				run.Context["probe_shape"] = sdk.FromInt64([]int64{int64(tc.p), int64(tc.p)}, 2)
			}
			a := New()
			if err := a.Begin(context.Background(), run); err != nil {
				t.Fatal(err)
			}
			cp := &sdk.Checkpoint{Epoch: 7, Hooks: map[string]*sdk.Tensor{}}
			hooks := make([][]float32, tc.layers)
			for l := 0; l < tc.layers; l++ {
				h := randomPatterns(rng, batch, tc.heads, tc.nq, tc.nk, l)
				hooks[l] = h.Float32s()
				cp.Hooks[HookName(l)] = h
			}
			res, err := a.Analyze(context.Background(), cp)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Arrays["patterns"]
			if sdk.ShapeString(got.Shape()) != sdk.ShapeString(tc.wantShape) {
				t.Fatalf("shape %s, want %s", got.ShapeString(), sdk.ShapeString(tc.wantShape))
			}
			out := got.Float32s()
			// Every element: patterns[l*h+i, q, k, a, b] = hook_l[a*p+b, i, q, k].
			for l := 0; l < tc.layers; l++ {
				for i := 0; i < tc.heads; i++ {
					for q := 0; q < tc.nq; q++ {
						for k := 0; k < tc.nk; k++ {
							for x := 0; x < tc.p; x++ {
								for y := 0; y < tc.p; y++ {
									row := x*tc.p + y
									want := hooks[l][((row*tc.heads+i)*tc.nq+q)*tc.nk+k]
									idx := ((((l*tc.heads+i)*tc.nq+q)*tc.nk+k)*tc.p+x)*tc.p + y
									if out[idx] != want {
										t.Fatalf("patterns[%d,%d,%d,%d,%d] = %v, want %v", l*tc.heads+i, q, k, x, y, out[idx], want)
									}
								}
							}
						}
					}
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	good := func() *sdk.Tensor { return sdk.NewTensor(sdk.Float32, 4, 2, 3, 3) }
	for _, tc := range []struct {
		name    string
		layers  int
		probe   *sdk.Tensor
		hooks   map[string]*sdk.Tensor
		wantErr string
	}{
		{"missing layer 1", 2, nil, map[string]*sdk.Tensor{HookName(0): good()}, "blocks.1.attn.hook_pattern missing"},
		{"wrong rank", 1, nil, map[string]*sdk.Tensor{HookName(0): sdk.NewTensor(sdk.Float32, 4, 6, 3)}, "want [batch"},
		{"layer mismatch", 2, nil, map[string]*sdk.Tensor{HookName(0): good(), HookName(1): sdk.NewTensor(sdk.Float32, 4, 3, 3, 3)}, "layer 0 has"},
		{"grid mismatch", 1, sdk.FromInt64([]int64{3, 3}, 2), map[string]*sdk.Tensor{HookName(0): good()}, "does not factor"},
		{"bad probe_shape", 1, sdk.FromFloat64([]float64{2, 2}, 2), map[string]*sdk.Tensor{HookName(0): good()}, "probe_shape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := &sdk.Run{Model: sdk.ModelConfig{NLayers: tc.layers}, Context: map[string]*sdk.Tensor{}}
			if tc.probe != nil {
				run.Context["probe_shape"] = tc.probe
			}
			a := New()
			err := a.Begin(ctx, run)
			if err == nil {
				_, err = a.Analyze(ctx, &sdk.Checkpoint{Hooks: tc.hooks})
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func BenchmarkAnalyze(b *testing.B) {
	ctx := context.Background()
	for _, p := range []int{23, 59, 113} {
		b.Run(fmt.Sprintf("p=%d", p), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, uint64(p)))
			a := New()
			run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 1}, Context: map[string]*sdk.Tensor{
				"probe_shape": sdk.FromInt64([]int64{int64(p), int64(p)}, 2)}}
			if err := a.Begin(ctx, run); err != nil {
				b.Fatal(err)
			}
			cp := &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{HookName(0): randomPatterns(rng, p*p, 4, 3, 3, 0)}}
			for b.Loop() {
				if _, err := a.Analyze(ctx, cp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
