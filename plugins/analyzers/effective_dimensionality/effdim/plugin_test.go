package effdim

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestThroughPlugin runs the calibration model's matrix shapes (at p=23)
// through the gRPC plugin path: results equal the in-process ones and match
// analyzer.json.
func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/effective_dimensionality/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	cp := &sdk.Checkpoint{Epoch: 1, Weights: calibrationWeights(rand.New(rand.NewPCG(33, 34)), 23)}
	want, err := New().Analyze(context.Background(), cp)
	if err != nil {
		t.Fatal(err)
	}
	c := sdktest.Analyzer(t, New(), sdktest.Options{})
	if err := m.CheckInfo(c.Info()); err != nil {
		t.Fatal(err)
	}
	if err := c.Begin(context.Background(), &sdk.Run{}); err != nil {
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
		if len(part.got) != 9 || len(part.got) != len(part.want) {
			t.Errorf("summary %v: %d arrays, want 9", part.summary, len(part.got))
		}
		for name, w := range part.want {
			if g := part.got[name]; g == nil || g.String() != w.String() || !bytes.Equal(g.Bytes(), w.Bytes()) {
				t.Errorf("%s: %v, in-process %v", name, g, w)
			}
		}
		if err := m.CheckArrays(part.got, part.summary); err != nil {
			t.Error(err)
		}
	}
}
