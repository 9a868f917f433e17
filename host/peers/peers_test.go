package peers

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

func family(t *testing.T) *registry.FamilyManifest {
	t.Helper()
	fam, err := registry.LoadFamily(filepath.Join(plugintest.RepoRoot(), "model_families", "modulo_addition_1layer", "family.json"))
	if err != nil {
		t.Fatal(err)
	}
	return fam
}

// create makes a variant of p = 17; epochs > 0 trains it with checkpoints
// every 10 epochs.
func create(t *testing.T, dir string, fam *registry.FamilyManifest, seed, dataSeed int64, epochs int) *variant.Variant {
	t.Helper()
	v, err := variant.Create(context.Background(), dir, fam, modadd.New(), sdk.Params{"prime": 17, "train_fraction": 0.5, "seed": seed, "data_seed": dataSeed}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if epochs == 0 {
		return v
	}
	ts, err := variant.ResolveTraining(fam, "", epochs, "0:30:10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Train(context.Background(), variant.TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFind(t *testing.T) {
	fam := family(t)
	dir := t.TempDir()
	anchor := create(t, dir, fam, 1, 2, 0)
	all := []*variant.Variant{anchor,
		create(t, dir, fam, 3, 2, 0), // model-seed peer
		create(t, dir, fam, 2, 2, 0), // model-seed peer
		create(t, dir, fam, 1, 5, 0), // data-seed peer
		create(t, dir, fam, 3, 5, 0), // both differ: nobody's peer
	}
	for by, want := range map[string]string{"seed": "seed2 seed3", "data_seed": "dseed5"} {
		ps, err := Find(fam, anchor, all, by)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			if by == "seed" {
				got = append(got, "seed"+registry.FormatValue(p.Params["seed"]))
			} else {
				got = append(got, "dseed"+registry.FormatValue(p.Params["data_seed"]))
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("peers by %s: %v, want %s", by, got, want)
		}
	}
	if _, err := Find(fam, anchor, all, "prime"); err == nil || !strings.Contains(err.Error(), "not a seed parameter") {
		t.Errorf("by prime: %v", err)
	}
}

// TestDiverge: a data-seed peer starts from the same initialization (0%)
// and drifts apart; a model-seed peer starts from an independent one,
// about √2·100% away; the totals agree with the norms computed here.
func TestDiverge(t *testing.T) {
	fam := family(t)
	dir := t.TempDir()
	anchor := create(t, dir, fam, 1, 2, 30)
	data := create(t, dir, fam, 1, 5, 30)
	model := create(t, dir, fam, 7, 2, 30)
	untrained := create(t, dir, fam, 9, 2, 0)

	d, err := Diverge(anchor, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Epochs) != 4 || d.Total[0] != 0 || !(d.Total[3] > 0) || len(d.Matrices) != 9 {
		t.Errorf("data-seed peer: epochs %v, total %v, %d matrices", d.Epochs, d.Total, len(d.Matrices))
	}
	m, err := Diverge(anchor, model)
	if err != nil {
		t.Fatal(err)
	}
	if !scalar.EqualWithinAbsOrRel(m.Total[0], 100*math.Sqrt2, 5, 0.05) {
		t.Errorf("model-seed peer at initialization: %.2f%%, want about %.2f%%", m.Total[0], 100*math.Sqrt2)
	}
	// The total at the last epoch, recomputed from the checkpoints.
	a, err := anchor.LoadCheckpoint(30)
	if err != nil {
		t.Fatal(err)
	}
	p, err := model.LoadCheckpoint(30)
	if err != nil {
		t.Fatal(err)
	}
	var diff, norm float64
	for _, name := range m.MatrixNames() {
		x, y := a.Tensors[name].AsFloat64(), p.Tensors[name].AsFloat64()
		for i := range x {
			diff += (y[i] - x[i]) * (y[i] - x[i])
			norm += x[i] * x[i]
		}
	}
	if want := 100 * math.Sqrt(diff/norm); !scalar.EqualWithinAbsOrRel(m.Total[3], want, 1e-9, 1e-9) {
		t.Errorf("total at epoch 30: %v, recomputed %v", m.Total[3], want)
	}
	if _, ok := m.Matrices["blocks.0.mlp.W_in"]; !ok {
		t.Errorf("matrices %v", m.MatrixNames())
	}
	if _, err := Diverge(anchor, untrained); !errors.Is(err, ErrNoCommonEpoch) {
		t.Errorf("an untrained peer: %v", err)
	}
}
