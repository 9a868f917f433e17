package sdktest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// meanNeuron is the analyzer of docs/writing-an-analyzer.md.
type meanNeuron struct{}

func (meanNeuron) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: "hello_analyzer", Version: "0.1.0", Kind: sdk.PerCheckpoint}
}
func (meanNeuron) Begin(context.Context, *sdk.Run) error { return nil }
func (meanNeuron) End(context.Context) error             { return nil }
func (meanNeuron) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	act := cp.Hooks["blocks.0.mlp.hook_post"]
	batch, d := act.Shape()[0], act.Shape()[1]
	mean := make([]float32, d)
	for i, v := range act.Float32s() {
		mean[i%d] += v / float32(batch)
	}
	return &sdk.Result{Arrays: map[string]*sdk.Tensor{"neuron_mean": sdk.FromFloat32(mean, d)}}, nil
}

func TestAnalyzerThroughGRPC(t *testing.T) {
	for _, shared := range []bool{false, true} {
		a := sdktest.Analyzer(t, meanNeuron{}, sdktest.Options{SharedMemory: shared})
		ctx := context.Background()
		if err := a.Begin(ctx, &sdk.Run{}); err != nil {
			t.Fatal(err)
		}
		res, err := a.Analyze(ctx, &sdk.Checkpoint{Hooks: map[string]*sdk.Tensor{
			"blocks.0.mlp.hook_post": sdk.FromFloat32([]float32{1, 2, 3, 4}, 2, 2)}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(res.Arrays["neuron_mean"].Float32s()); got != "[2 3]" {
			t.Fatalf("shared=%v: neuron_mean = %s, want [2 3]", shared, got)
		}
		if err := a.End(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
