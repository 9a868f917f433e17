package inputtrace

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestThroughPlugin traces random logits at p=11 through the gRPC plugin
// path; arrays and summary equal the in-process ones (NaN included) and match
// analyzer.json.
func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/input_trace/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	const p = 11
	rng := rand.New(rand.NewPCG(43, 44))
	labels, train := modAdd(rng, p, 0.3)
	logits := make([]float32, len(labels)*p)
	for i := range logits {
		logits[i] = float32(3 * rng.NormFloat64())
	}
	run := runFor(labels, train)
	cp := &sdk.Checkpoint{Epoch: 2, Logits: sdk.FromFloat32(logits, len(labels), p)}
	local := New()
	if err := local.Begin(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	want, err := local.Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	c := sdktest.Analyzer(t, New(), sdktest.Options{})
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
	for _, part := range []struct {
		summary   bool
		got, want map[string]*sdk.Tensor
	}{{false, got.Arrays, want.Arrays}, {true, got.Summary, want.Summary}} {
		if len(part.got) != 4 {
			t.Errorf("summary %v: %d arrays, want 4", part.summary, len(part.got))
		}
		for name, w := range part.want {
			g := part.got[name]
			if g == nil || g.String() != w.String() || !bytes.Equal(g.Bytes(), w.Bytes()) {
				t.Errorf("%s: %v, in-process %v", name, g, w)
			}
		}
		if err := m.CheckArrays(part.got, part.summary); err != nil {
			t.Error(err)
		}
	}
	if acc := got.Summary["test_overall_accuracy"].Float64s()[0]; math.IsNaN(acc) || acc > 0.3 {
		t.Errorf("random logits gave test accuracy %v", acc)
	}
}
