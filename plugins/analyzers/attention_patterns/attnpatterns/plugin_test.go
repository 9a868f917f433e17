package attnpatterns

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestThroughPlugin runs a 2-layer model's patterns through the real gRPC
// plugin path and holds the result to the in-process one and to
// analyzer.json.
func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/attention_patterns/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	const p = 7
	rng := rand.New(rand.NewPCG(13, 14))
	run := &sdk.Run{Model: sdk.ModelConfig{NLayers: 2}, Context: map[string]*sdk.Tensor{"probe_shape": sdk.FromInt64([]int64{p, p}, 2)}}
	cp := &sdk.Checkpoint{Epoch: 5, Hooks: map[string]*sdk.Tensor{
		HookName(0): randomPatterns(rng, p*p, 4, 3, 3, 0),
		HookName(1): randomPatterns(rng, p*p, 4, 3, 3, 1),
	}}
	local := New()
	if err := local.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	want, err := local.Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	for _, shm := range []bool{false, true} {
		c := sdktest.Analyzer(t, New(), sdktest.Options{SharedMemory: shm})
		if err := m.CheckInfo(c.Info()); err != nil {
			t.Fatal(err)
		}
		if err := c.Begin(context.Background(), run); err != nil {
			t.Fatal(err)
		}
		got, err := c.Analyze(context.Background(), cp)
		if err != nil {
			t.Fatal(err)
		}
		g, w := got.Arrays["patterns"], want.Arrays["patterns"]
		if g == nil || g.String() != w.String() || !bytes.Equal(g.Bytes(), w.Bytes()) {
			t.Errorf("shared memory %v: patterns %v differ from in-process %v", shm, g, w)
		}
		if err := m.CheckArrays(got.Arrays, false); err != nil {
			t.Error(err)
		}
		if err := c.End(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
