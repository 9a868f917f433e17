package trajectory

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestThroughPlugin runs a random-walk trajectory through the gRPC plugin
// path: the 17 arrays equal the in-process ones and match analyzer.json.
func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/parameter_trajectory/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(67, 68))
	epochs := []int{0, 10, 20, 50, 100, 200, 400}
	s := stack(rng, epochs, func(_ string, e, _ int) float64 { return float64(e) * rng.NormFloat64() })
	in := map[string]*sdk.Stacked{Input: s}
	run := &sdk.Run{Settings: m.Defaults(), Epochs: epochs}
	want, err := New().AnalyzeAcross(context.Background(), run, in)
	if err != nil {
		t.Fatal(err)
	}
	c := sdktest.Analyzer(t, New(), sdktest.Options{SharedMemory: true})
	if err := m.CheckInfo(c.Info()); err != nil {
		t.Fatal(err)
	}
	got, err := c.AnalyzeAcross(context.Background(), run, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 17 || len(want) != 17 {
		t.Errorf("%d arrays through the plugin, %d in-process, want 17", len(got), len(want))
	}
	for name, w := range want {
		if g := got[name]; g == nil || g.String() != w.String() || !bytes.Equal(g.Bytes(), w.Bytes()) {
			t.Errorf("%s: %v, in-process %v", name, g, w)
		}
	}
	if err := m.CheckArrays(got, false); err != nil {
		t.Error(err)
	}
}
