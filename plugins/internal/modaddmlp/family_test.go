package modaddmlp

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

var testSpec = Spec{Name: "modulo_addition_test_mlp", Version: "1.0.0", InputEncoding: "embedding_sum", DEmbed: 4, DMLP: 8,
	DefaultTrainFraction: 0.75, LR: 1e-4, WeightDecay: 2, Epochs: 10, Schedule: Schedule([][3]int{{0, 10, 5}}, 10)}

func TestModelConfigIsAnEngineMLP(t *testing.T) {
	f := New(testSpec)
	c, err := f.ModelConfig(context.Background(), sdk.Params{"prime": 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := model.ValidateConfig(c); err != nil {
		t.Fatalf("config %+v: %v", c, err)
	}
	if c.DVocab != 7 || c.DVocabOut != 7 || c.NCtx != 2 || c.DEmbed != 4 || c.Seed != modadd.DefaultSeed {
		t.Errorf("config %+v", c)
	}
}

// The split is the 1-layer family's for the same parameters, the tokens
// are the pairs of its rows.
func TestTrainingDataMatchesModadd(t *testing.T) {
	f := New(testSpec)
	p := sdk.Params{"prime": 11, "train_fraction": 0.4, "data_seed": 5}
	td, err := f.TrainingData(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := modadd.New().TrainingData(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(td.TrainIndices, ref.TrainIndices) || !slices.Equal(td.TestIndices, ref.TestIndices) {
		t.Error("split differs from modulo_addition_1layer's")
	}
	tok, lab := td.Train.Tokens.Int64s(), td.Train.Labels.Int64s()
	for i, k := range td.TrainIndices {
		if a, b := tok[2*i], tok[2*i+1]; a != int64(k/11) || b != int64(k%11) || lab[i] != (a+b)%11 {
			t.Fatalf("row %d (grid %d): [%d %d] label %d", i, k, a, b, lab[i])
		}
	}
	def, _ := f.ParseParams(sdk.Params{})
	if def.TrainFraction != 0.75 {
		t.Errorf("default train_fraction %v, want the spec's 0.75", def.TrainFraction)
	}
}

func TestProbesAndContext(t *testing.T) {
	f := New(testSpec)
	ctx, p := context.Background(), sdk.Params{"prime": 5}
	full, err := f.AnalysisContext(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if full["probe_shape"] == nil || full["labels"].Len() != 25 || full["fourier_basis"] == nil {
		t.Errorf("full-grid context %v", full)
	}
	ds, err := f.GenerateProbe(ctx, p, sdk.ProbeSpec{Name: "residue_classes", Generator: "per_residue", Params: sdk.Params{"per_class": 2, "seed": 0}})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := f.ProbeContext(ctx, p, sdk.Probe{Name: "residue_classes", Dataset: *ds})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pc["probe_shape"]; ok {
		t.Error("probe_shape over a probe that is not the grid")
	}
	for i, l := range pc["labels"].Int64s() {
		if l != int64(i/2) {
			t.Fatalf("residue_classes row %d has label %d, want class %d", i, l, i/2)
		}
	}
	bad := sdk.Probe{Name: "x", Dataset: sdk.Dataset{Tokens: sdk.FromInt64([]int64{1, 5}, 1, 2)}}
	if _, err := f.ProbeContext(ctx, p, bad); err == nil || !strings.Contains(err.Error(), "probe x: row 0") {
		t.Errorf("out-of-range pair: %v", err)
	}
	for _, tc := range []struct {
		p    sdk.Params
		want string
	}{
		{sdk.Params{"prime": 9}, "modulo_addition_test_mlp: parameter \"prime\" is 9, which is not prime"},
		{sdk.Params{"colour": 1}, "modulo_addition_test_mlp: unknown parameter \"colour\""},
	} {
		if _, err := f.ModelConfig(ctx, tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.p, err, tc.want)
		}
	}
}
