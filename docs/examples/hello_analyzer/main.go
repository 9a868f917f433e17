// Command hello_analyzer is the smallest useful tdw analyzer: for each
// checkpoint it reports the mean activation of every MLP neuron at the last
// position. Build it with `go build`, put the binary beside analyzer.json in
// a folder under analyzers/, and the host runs it.
package main

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

type meanNeuron struct{}

func (meanNeuron) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: "hello_analyzer", Version: "0.1.0", Kind: sdk.PerCheckpoint}
}

func (meanNeuron) Begin(context.Context, *sdk.Run) error { return nil }
func (meanNeuron) End(context.Context) error             { return nil }

func (meanNeuron) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	act := cp.Hooks["blocks.0.mlp.hook_post"] // float32 [batch, d_mlp]
	if act == nil || act.Rank() != 2 {
		return nil, fmt.Errorf("want a [batch, d_mlp] blocks.0.mlp.hook_post, got %v", act)
	}
	batch, dMLP := act.Shape()[0], act.Shape()[1]
	x, mean := act.AsFloat32(), make([]float32, dMLP)
	for i, v := range x {
		mean[i%dMLP] += v / float32(batch)
	}
	return &sdk.Result{Arrays: map[string]*sdk.Tensor{"neuron_mean": sdk.FromFloat32(mean, dMLP)}}, nil
}

func main() { plugin.ServeAnalyzer(meanNeuron{}) }
