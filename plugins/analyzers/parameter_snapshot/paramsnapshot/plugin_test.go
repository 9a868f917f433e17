package paramsnapshot

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestThroughPlugin snapshots every TransformerLens weight of a 2-layer LN
// model through the gRPC plugin path; each must come back bit for bit and be
// declared in analyzer.json.
func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/parameter_snapshot/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(23, 24))
	const dm, h, dh, mlp, v, vo, ctx = 8, 2, 4, 16, 7, 5, 3
	w := map[string]*sdk.Tensor{
		"embed.W_E": randTensor(rng, v, dm), "pos_embed.W_pos": randTensor(rng, ctx, dm),
		"unembed.W_U": randTensor(rng, dm, vo), "unembed.b_U": randTensor(rng, vo),
		"ln_final.w": randTensor(rng, dm), "ln_final.b": randTensor(rng, dm),
	}
	for _, l := range []string{"0", "1"} {
		b := "blocks." + l + "."
		for _, n := range []string{"W_Q", "W_K", "W_V"} {
			w[b+"attn."+n] = randTensor(rng, h, dm, dh)
		}
		for _, n := range []string{"b_Q", "b_K", "b_V"} {
			w[b+"attn."+n] = randTensor(rng, h, dh)
		}
		w[b+"attn.W_O"], w[b+"attn.b_O"] = randTensor(rng, h, dh, dm), randTensor(rng, dm)
		w[b+"mlp.W_in"], w[b+"mlp.b_in"] = randTensor(rng, dm, mlp), randTensor(rng, mlp)
		w[b+"mlp.W_out"], w[b+"mlp.b_out"] = randTensor(rng, mlp, dm), randTensor(rng, dm)
		for _, n := range []string{"ln1.w", "ln1.b", "ln2.w", "ln2.b"} {
			w[b+n] = randTensor(rng, dm)
		}
	}
	c := sdktest.Analyzer(t, New(), sdktest.Options{SharedMemory: true})
	if err := m.CheckInfo(c.Info()); err != nil {
		t.Fatal(err)
	}
	if err := c.Begin(context.Background(), &sdk.Run{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Analyze(context.Background(), &sdk.Checkpoint{Epoch: 9, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Arrays) != len(w) {
		t.Errorf("%d arrays back, %d sent", len(got.Arrays), len(w))
	}
	for name, in := range w {
		if g := got.Arrays[name]; g == nil || g.String() != in.String() || !bytes.Equal(g.Bytes(), in.Bytes()) {
			t.Errorf("%s came back as %v", name, g)
		}
	}
	if err := m.CheckArrays(got.Arrays, false); err != nil {
		t.Error(err)
	}
}
