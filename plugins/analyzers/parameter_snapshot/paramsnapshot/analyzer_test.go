package paramsnapshot

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func randTensor(rng *rand.Rand, shape ...int) *sdk.Tensor {
	d := make([]float32, sdk.NumElements(shape))
	for i := range d {
		d[i] = float32(rng.NormFloat64())
	}
	return sdk.FromFloat32(d, shape...)
}

func TestSnapshotKeepsEveryWeight(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	w := map[string]*sdk.Tensor{
		"embed.W_E":            randTensor(rng, 6, 8),
		"pos_embed.W_pos":      randTensor(rng, 3, 8),
		"blocks.0.attn.W_Q":    randTensor(rng, 2, 8, 4),
		"blocks.0.attn.b_Q":    randTensor(rng, 2, 4),
		"blocks.1.mlp.W_in":    randTensor(rng, 8, 16),
		"unembed.W_U":          randTensor(rng, 8, 5),
		"blocks.0.ln1.w":       sdk.FromFloat64([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 8),
		"blocks.0.attn.mask":   sdk.FromBool([]bool{true, false, true, true}, 2, 2),
		"blocks.0.attn.IGNORE": sdk.Scalar(-1e5),
	}
	res, err := New().Analyze(context.Background(), &sdk.Checkpoint{Epoch: 3, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Arrays) != len(w)-2 {
		t.Errorf("%d arrays, want %d", len(res.Arrays), len(w)-2)
	}
	for name, in := range w {
		got, ok := res.Arrays[name]
		if isBuffer(name) {
			if ok {
				t.Errorf("buffer %s kept", name)
			}
			continue
		}
		if !ok {
			t.Fatalf("weight %s missing", name)
		}
		if in.DType() != sdk.Float32 {
			in = sdk.FromFloat32(in.AsFloat32(), in.Shape()...)
		}
		if got.DType() != sdk.Float32 || got.ShapeString() != in.ShapeString() || !bytes.Equal(got.Bytes(), in.Bytes()) {
			t.Errorf("weight %s changed: %s vs %s", name, got, in)
		}
	}
}

func TestSnapshotErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := New().Analyze(ctx, &sdk.Checkpoint{}); err == nil || !strings.Contains(err.Error(), "no weights") {
		t.Errorf("empty weights: error %v", err)
	}
	_, err := New().Analyze(ctx, &sdk.Checkpoint{Weights: map[string]*sdk.Tensor{"embed.W_E": sdk.FromInt64([]int64{1}, 1)}})
	if err == nil || !strings.Contains(err.Error(), "embed.W_E") {
		t.Errorf("int weight: error %v", err)
	}
}
