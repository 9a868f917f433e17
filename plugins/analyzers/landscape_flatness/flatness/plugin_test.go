package flatness

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tdw-workbench/tdw/plugins/internal/manifestcheck"
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// TestThroughPlugin runs the quadratic bowl with the host callback served
// through the go-plugin broker, as in production, with analyzer.json's
// defaults as the settings: deltas equal the in-process ones.
func TestThroughPlugin(t *testing.T) {
	m, err := manifestcheck.Load("../../../../analyzers/landscape_flatness/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	curv := map[string]float64{"embed.W_E": 4, "blocks.0.mlp.W_in": 50}
	w, local := model(rand.New(rand.NewPCG(71, 72)), curv)
	want := analyze(t, m.Defaults(), w, local)

	_, remote := model(rand.New(rand.NewPCG(71, 72)), curv)
	c := sdktest.Analyzer(t, New(), sdktest.Options{})
	if err := m.CheckInfo(c.Info()); err != nil {
		t.Fatal(err)
	}
	if err := c.Begin(context.Background(), &sdk.Run{Settings: m.Defaults(), Host: remote}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Analyze(context.Background(), &sdk.Checkpoint{Epoch: 100, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	if len(remote.splits) != DefaultDirections+1 {
		t.Errorf("host evaluated %d times through the broker, want %d", len(remote.splits), DefaultDirections+1)
	}
	g, wd := got.Arrays["delta_losses"].Float64s(), want.Arrays["delta_losses"].Float64s()
	if !slices.Equal(g, wd) {
		t.Errorf("deltas through the plugin %v, in-process %v", g, wd)
	}
	if err := m.CheckArrays(got.Arrays, false); err != nil {
		t.Error(err)
	}
	if err := m.CheckArrays(got.Summary, true); err != nil {
		t.Error(err)
	}
	if len(got.Summary) != len(m.Summary) {
		t.Errorf("%d summary arrays, %d declared", len(got.Summary), len(m.Summary))
	}
}
