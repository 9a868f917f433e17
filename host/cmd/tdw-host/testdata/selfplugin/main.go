// Command selfplugin is a real tdw analyzer and family plugin for the CLI
// tests: it serves whatever identity its arguments give it, so that one
// binary can play an analyzer that matches its analyzer.json and one that
// does not.
//
//	selfplugin analyzer NAME VERSION KIND
//	selfplugin family NAME VERSION
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/plugin"
)

// rowSum sums each row of its one hook.
type rowSum struct{ info sdk.AnalyzerInfo }

func (r *rowSum) Info() sdk.AnalyzerInfo                { return r.info }
func (r *rowSum) Begin(context.Context, *sdk.Run) error { return nil }
func (r *rowSum) End(context.Context) error             { return nil }
func (r *rowSum) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	for _, t := range cp.Hooks {
		x := t.AsFloat64()
		rows := t.Shape()[0]
		out := make([]float64, rows)
		for i := range x {
			out[i/(len(x)/rows)] += x[i]
		}
		return &sdk.Result{Arrays: map[string]*sdk.Tensor{"sums": sdk.FromFloat64(out)}}, nil
	}
	return nil, fmt.Errorf("no hook sent")
}

// grid is a family whose every method is real but tiny.
type grid struct{ info sdk.FamilyInfo }

func (g *grid) Info() sdk.FamilyInfo { return g.info }
func (g *grid) ModelConfig(context.Context, sdk.Params) (sdk.ModelConfig, error) {
	return sdk.ModelConfig{NLayers: 1, DModel: 8, NHeads: 2, DHead: 4, DMLP: 16, DVocab: 6, DVocabOut: 5, NCtx: 3, ActFn: "relu", InitRange: 0.1}, nil
}
func (g *grid) TrainingData(context.Context, sdk.Params) (*sdk.TrainingData, error) {
	return nil, fmt.Errorf("selfplugin: no training data")
}
func (g *grid) Probe(context.Context, sdk.Params) (*sdk.Dataset, error) {
	return nil, fmt.Errorf("selfplugin: no probe")
}
func (g *grid) AnalysisContext(context.Context, sdk.Params) (map[string]*sdk.Tensor, error) {
	return map[string]*sdk.Tensor{}, nil
}
func (g *grid) TrainingConfig(context.Context, sdk.Params) (sdk.TrainingConfig, error) {
	return sdk.TrainingConfig{}, fmt.Errorf("selfplugin: no training config")
}

func main() {
	a := os.Args[1:]
	switch {
	case len(a) == 4 && a[0] == "analyzer":
		plugin.ServeAnalyzer(&rowSum{sdk.AnalyzerInfo{Name: a[1], Version: a[2], Kind: sdk.Kind(a[3])}})
	case len(a) == 3 && a[0] == "family":
		plugin.ServeFamily(&grid{sdk.FamilyInfo{Name: a[1], Version: a[2]}})
	default:
		fmt.Fprintln(os.Stderr, "usage: selfplugin analyzer NAME VERSION KIND | family NAME VERSION")
		os.Exit(2)
	}
}
