package modadd

import (
	"context"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/sdktest"
)

// The default probe is the grid analyses always used: Probe, the "grid"
// generator and its context are the same bytes as before probes were named.
func TestGridProbeIsTheProbe(t *testing.T) {
	ctx := context.Background()
	params := sdk.Params{"prime": int64(11), "data_seed": int64(5), "train_fraction": 0.4}
	f := New()
	old, err := f.Probe(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.GenerateProbe(ctx, params, sdk.ProbeSpec{Name: "full_grid", Generator: GeneratorGrid})
	if err != nil {
		t.Fatal(err)
	}
	sameTensor(t, "grid tokens", g.Tokens, old.Tokens)
	sameTensor(t, "grid labels", g.Labels, old.Labels)
	want, _ := f.AnalysisContext(ctx, params)
	got, err := f.ProbeContext(ctx, params, sdk.Probe{Name: "full_grid", Dataset: *g})
	if err != nil {
		t.Fatal(err)
	}
	sdktest.SameTensors(t, "grid context", want, got)
}

func TestSplitProbes(t *testing.T) {
	ctx := context.Background()
	params := sdk.Params{"prime": int64(7), "data_seed": int64(3), "train_fraction": 0.5}
	f := New()
	td, _ := f.TrainingData(ctx, params)
	for split, want := range map[string]sdk.Dataset{"train": td.Train, "test": td.Test} {
		ds, err := f.GenerateProbe(ctx, params, sdk.ProbeSpec{Name: split, Generator: GeneratorSplit, Params: sdk.Params{"split": split}})
		if err != nil {
			t.Fatal(err)
		}
		sameTensor(t, split+" tokens", ds.Tokens, want.Tokens)
		sameTensor(t, split+" labels", ds.Labels, want.Labels)
		pc, err := f.ProbeContext(ctx, params, sdk.Probe{Name: split, Dataset: *ds})
		if err != nil {
			t.Fatal(err)
		}
		for i, in := range pc["train_mask"].AsFloat64() {
			if (in == 1) != (split == "train") {
				t.Fatalf("%s row %d: train_mask %v", split, i, in)
			}
		}
		sameTensor(t, split+" context labels", pc["labels"], want.Labels)
		if _, ok := pc["probe_shape"]; ok {
			t.Errorf("%s: a split is no grid, but the context has probe_shape", split)
		}
	}
}

func TestPerResidueProbe(t *testing.T) {
	ctx := context.Background()
	const p, k = 11, 3
	params := sdk.Params{"prime": int64(p)}
	spec := sdk.ProbeSpec{Name: "residues", Generator: GeneratorPerResidue, Params: sdk.Params{"per_class": int64(k), "seed": int64(9)}}
	ds, err := New().GenerateProbe(ctx, params, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Tokens.Shape(); got[0] != p*k || got[1] != NCtx {
		t.Fatalf("shape %v", got)
	}
	tok, lab := ds.Tokens.Int64s(), ds.Labels.Int64s()
	seen := map[[2]int64]bool{}
	for i := range p * k {
		a, b := tok[3*i], tok[3*i+1]
		c := int64(i / k) // classes ascending, k rows each
		if (a+b)%p != c || lab[i] != c || tok[3*i+2] != p || seen[[2]int64{a, b}] {
			t.Fatalf("row %d: %v label %d, want class %d, distinct pairs", i, tok[3*i:3*i+3], lab[i], c)
		}
		seen[[2]int64{a, b}] = true
	}
	again, _ := New().GenerateProbe(ctx, params, spec)
	sameTensor(t, "seeded again", again.Tokens, ds.Tokens)
	spec.Params["seed"] = int64(10)
	other, _ := New().GenerateProbe(ctx, params, spec)
	if string(other.Tokens.Bytes()) == string(ds.Tokens.Bytes()) {
		t.Error("another seed drew the same pairs")
	}
}

func TestGenerateProbeRefusals(t *testing.T) {
	ctx := context.Background()
	params := sdk.Params{"prime": int64(7)}
	for _, c := range []struct {
		spec sdk.ProbeSpec
		want string
	}{
		{sdk.ProbeSpec{Name: "x", Generator: "random"}, `probe x: unknown generator "random" (known: grid, per_residue, split)`},
		{sdk.ProbeSpec{Name: "x", Generator: GeneratorSplit, Params: sdk.Params{"split": "val"}}, `"split" is "val", want "train" or "test"`},
		{sdk.ProbeSpec{Name: "x", Generator: GeneratorSplit}, `parameter "split" is missing`},
		{sdk.ProbeSpec{Name: "x", Generator: GeneratorGrid, Params: sdk.Params{"k": int64(1)}}, `generator grid takes no parameter "k"`},
		{sdk.ProbeSpec{Name: "x", Generator: GeneratorPerResidue, Params: sdk.Params{"per_class": int64(8), "seed": int64(0)}}, `"per_class" is 8, outside [1, p = 7]`},
		{sdk.ProbeSpec{Name: "x", Generator: GeneratorPerResidue, Params: sdk.Params{"per_class": 1.5, "seed": int64(0)}}, `"per_class" is 1.5`},
	} {
		if _, err := New().GenerateProbe(ctx, params, c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want ...%s...", c.spec, err, c.want)
		}
	}
	bad := sdk.Probe{Name: "mine", Dataset: sdk.Dataset{Tokens: sdk.FromInt64([]int64{1, 2, 7, 7, 0, 7}, 2, 3)}}
	if _, err := New().ProbeContext(ctx, params, bad); err == nil || !strings.Contains(err.Error(), "probe mine: row 1 is [7 0 7]") {
		t.Errorf("a row that is no pair: %v", err)
	}
}

// The generators and the context over a probe reach the host through gRPC
// unchanged.
func TestProbesThroughPlugin(t *testing.T) {
	ctx := context.Background()
	local := New()
	remote, ok := sdktest.Family(t, local).(sdk.ProbeFamily)
	if !ok {
		t.Fatal("the host's family client is no ProbeFamily")
	}
	if got := strings.Join(remote.ProbeGenerators(), ","); got != "grid,per_residue,split" {
		t.Errorf("generators over gRPC: %s", got)
	}
	params := sdk.Params{"prime": int64(13), "data_seed": int64(4), "train_fraction": 0.4}
	spec := sdk.ProbeSpec{Name: "residues", Generator: GeneratorPerResidue, Params: sdk.Params{"per_class": int64(2), "seed": int64(1)}}
	got, err := remote.GenerateProbe(ctx, params, spec)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := local.GenerateProbe(ctx, params, spec)
	sameTensor(t, "tokens", got.Tokens, want.Tokens)
	sameTensor(t, "labels", got.Labels, want.Labels)
	pc, err := remote.ProbeContext(ctx, params, sdk.Probe{Name: "residues", Dataset: *got})
	if err != nil {
		t.Fatal(err)
	}
	wc, _ := local.ProbeContext(ctx, params, sdk.Probe{Name: "residues", Dataset: *want})
	sdktest.SameTensors(t, "context", wc, pc)
	// A probe without labels goes over too; a refusal comes back with its reason.
	if _, err := remote.ProbeContext(ctx, params, sdk.Probe{Name: "nolabels", Dataset: sdk.Dataset{Tokens: got.Tokens}}); err != nil {
		t.Errorf("a probe without labels: %v", err)
	}
	if _, err := remote.GenerateProbe(ctx, params, sdk.ProbeSpec{Name: "x", Generator: "nope"}); err == nil || !strings.Contains(err.Error(), `unknown generator "nope"`) {
		t.Errorf("unknown generator over gRPC: %v", err)
	}
}
