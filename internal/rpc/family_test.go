package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// modAdd is a small family: all pairs (a, b) mod p, every third row is test.
type modAdd struct{}

func (modAdd) Info() sdk.FamilyInfo { return sdk.FamilyInfo{Name: "mod_add", Version: "2.0.0"} }

func (modAdd) ModelConfig(_ context.Context, p sdk.Params) (sdk.ModelConfig, error) {
	n, err := p.Int("p")
	if err != nil {
		return sdk.ModelConfig{}, err
	}
	return sdk.ModelConfig{NLayers: 1, DVocab: n + 1, DVocabOut: n, NCtx: 3, ActFn: "relu", Seed: 999}, nil
}

func (m modAdd) data(p sdk.Params) (*sdk.Dataset, error) {
	n, err := p.Int("p")
	if err != nil {
		return nil, err
	}
	tok := make([]int64, 0, n*n*3)
	lab := make([]int64, 0, n*n)
	for a := range n {
		for b := range n {
			tok = append(tok, int64(a), int64(b), int64(n))
			lab = append(lab, int64((a+b)%n))
		}
	}
	return &sdk.Dataset{Tokens: sdk.FromInt64(tok, n*n, 3), Labels: sdk.FromInt64(lab)}, nil
}

func (m modAdd) TrainingData(_ context.Context, p sdk.Params) (*sdk.TrainingData, error) {
	ds, err := m.data(p)
	if err != nil {
		return nil, err
	}
	return &sdk.TrainingData{Train: *ds, Test: *ds, TrainIndices: []int{0, 1}, TestIndices: []int{2}}, nil
}

func (m modAdd) Probe(_ context.Context, p sdk.Params) (*sdk.Dataset, error) { return m.data(p) }

func (modAdd) AnalysisContext(_ context.Context, p sdk.Params) (map[string]*sdk.Tensor, error) {
	if _, ok := p["fail"]; ok {
		return nil, errors.New("cannot build context")
	}
	return map[string]*sdk.Tensor{"mask": sdk.FromBool([]bool{true, false, true}, 3)}, nil
}

func (modAdd) TrainingConfig(context.Context, sdk.Params) (sdk.TrainingConfig, error) {
	return sdk.TrainingConfig{Optimizer: "adamw", LR: 1e-3, Betas: []float64{0.9, 0.98}, Epochs: 25000, Checkpoints: []int{0, 100}, Frozen: []string{"b_*"}}, nil
}

func TestFamilyRoundTrip(t *testing.T) {
	c := sdktest.Family(t, modAdd{})
	ctx := context.Background()
	p := sdk.Params{"p": int64(13)}
	if c.Info() != (modAdd{}).Info() {
		t.Fatalf("Info = %+v", c.Info())
	}
	mc, err := c.ModelConfig(ctx, p)
	if err != nil || mc.DVocab != 14 || mc.Seed != 999 || mc.ActFn != "relu" {
		t.Fatalf("ModelConfig = %+v, %v", mc, err)
	}
	if _, err := c.ModelConfig(ctx, sdk.Params{}); err == nil {
		t.Fatal("ModelConfig without p succeeded")
	}
	td, err := c.TrainingData(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if td.Train.Tokens.String() != "int64(169, 3)" || fmt.Sprint(td.TrainIndices, td.TestIndices) != "[0 1] [2]" {
		t.Fatalf("TrainingData: %v %v %v", td.Train.Tokens, td.TrainIndices, td.TestIndices)
	}
	if got := td.Test.Labels.Int64s()[14]; got != 2 { // (1 + 1) mod 13
		t.Fatalf("label 14 = %d", got)
	}
	pr, err := c.Probe(ctx, p)
	if err != nil || pr.Labels.Len() != 169 {
		t.Fatalf("Probe: %v %v", pr, err)
	}
	ac, err := c.AnalysisContext(ctx, p)
	if err != nil || fmt.Sprint(ac["mask"].Uint8s()) != "[1 0 1]" || ac["mask"].DType() != sdk.Bool {
		t.Fatalf("AnalysisContext: %v %v", ac, err)
	}
	if _, err := c.AnalysisContext(ctx, sdk.Params{"fail": true}); err == nil {
		t.Fatal("failing AnalysisContext succeeded")
	}
	tc, err := c.TrainingConfig(ctx, p)
	if err != nil || tc.Epochs != 25000 || fmt.Sprint(tc.Betas, tc.Checkpoints, tc.Frozen) != "[0.9 0.98] [0 100] [b_*]" {
		t.Fatalf("TrainingConfig = %+v, %v", tc, err)
	}
}

// A family without named probes (every plugin written before them) lists no
// generators; the host's client says so instead of calling it.
func TestFamilyWithoutNamedProbes(t *testing.T) {
	remote, ok := sdktest.Family(t, modAdd{}).(sdk.ProbeFamily)
	if !ok {
		t.Fatal("the host's family client is no ProbeFamily")
	}
	if g := remote.ProbeGenerators(); len(g) != 0 {
		t.Errorf("generators %v, want none", g)
	}
	ctx := context.Background()
	_, err := remote.GenerateProbe(ctx, sdk.Params{"p": 3}, sdk.ProbeSpec{Name: "x", Generator: "grid"})
	if err == nil || err.Error() != "family plugin mod_add 2.0.0 has no named probes (it lists no probe generators): only its default probe" {
		t.Errorf("GenerateProbe: %v", err)
	}
	if _, err := remote.ProbeContext(ctx, sdk.Params{"p": 3}, sdk.Probe{Name: "x"}); err == nil {
		t.Error("ProbeContext of a family without named probes succeeded")
	}
	// Its one probe still comes through.
	if ds, err := remote.Probe(ctx, sdk.Params{"p": 3}); err != nil || ds.Tokens.Shape()[0] != 9 {
		t.Errorf("Probe: %v", err)
	}
}
