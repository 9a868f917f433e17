package pluginhost

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

// TestResearcherExample is the researcher's path of docs/writing-an-analyzer.md:
// the example analyzer, a separate Go module importing only sdk, is built
// with `go build` (in TestMain), dropped with its analyzer.json into an
// analyzers folder, launched as its analyzer.json describes it, and run on a
// tensor the host sends.
func TestResearcherExample(t *testing.T) {
	if exampleErr != nil {
		t.Fatal(exampleErr)
	}
	dir := example
	manifest, err := os.ReadFile(filepath.Join(dir, "analyzer.json"))
	if err != nil {
		t.Fatal(err)
	}

	var m struct{ Name, Version, Command, Kind string }
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatalf("analyzer.json: %v", err)
	}
	spec := Spec{Name: m.Name, Version: m.Version, Kind: sdk.Kind(m.Kind), Command: filepath.Join(dir, m.Command)}
	a, err := LaunchAnalyzer(context.Background(), spec, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	rng := rand.New(rand.NewPCG(21, 22))
	const batch, dMLP = 113 * 113, 512
	x := make([]float32, batch*dMLP)
	want := make([]float64, dMLP)
	for i := range x {
		x[i] = rng.Float32()
		want[i%dMLP] += float64(x[i]) / batch
	}
	ctx := context.Background()
	if err := a.Begin(ctx, &sdk.Run{Family: "modulo_addition_1layer"}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(ctx, &sdk.Checkpoint{Epoch: 0, Hooks: map[string]*sdk.Tensor{"blocks.0.mlp.hook_post": sdk.FromFloat32(x, batch, dMLP)}})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Arrays["neuron_mean"].Float32s()
	for i := range want {
		if !scalar.EqualWithinAbsOrRel(float64(got[i]), want[i], 0, 1e-4) {
			t.Fatalf("neuron %d: mean %v, want %v", i, got[i], want[i])
		}
	}
	if err := a.End(ctx); err != nil {
		t.Fatal(err)
	}
}
