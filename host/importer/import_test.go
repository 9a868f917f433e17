package importer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// family loads the real family.json beside a stand-in executable (the
// registry insists the command exists; the tests use the family in-process).
func family(t *testing.T) *registry.FamilyManifest {
	t.Helper()
	data, err := os.ReadFile("../../model_families/modulo_addition_1layer/family.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "modulo_addition_1layer")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modulo_addition_1layer"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "family.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := registry.LoadFamily(filepath.Join(dir, "family.json"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// trained trains a tiny variant (p = 17, 30 epochs, checkpoints every 10).
func trained(t *testing.T, fam *registry.FamilyManifest) *variant.Variant {
	t.Helper()
	ctx := context.Background()
	v, err := variant.Create(ctx, t.TempDir(), fam, modadd.New(), sdk.Params{"prime": int64(17), "seed": int64(5), "train_fraction": 0.5}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := variant.ResolveTraining(fam, "", 30, "0:30:10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Train(ctx, variant.TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return v
}

// writeReference lays v out as the reference project writes a variant
// (§2b of the reference's description): config.json with its keys (the
// domain parameters beside the TransformerLens ones, no attn_only or
// initializer_range), a compact metadata.json with only its six keys, and
// checkpoints holding TransformerLens' full state dict (the attention mask
// and IGNORE buffers included) with no tdw metadata.
func writeReference(t *testing.T, v *variant.Variant, dir string) {
	t.Helper()
	m, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	b, err := os.ReadFile(v.ConfigPath())
	if err != nil || json.Unmarshal(b, &cfg) != nil {
		t.Fatalf("config: %v", err)
	}
	delete(cfg, "attn_only")
	delete(cfg, "initializer_range")
	cfg["prime"], cfg["seed"], cfg["model_seed"] = v.Params["prime"], v.Params["seed"], v.Params["seed"]
	cfg["data_seed"], cfg["training_fraction"] = v.Params["data_seed"], v.Params["train_fraction"]
	if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, filepath.Join(dir, "config.json"), cfg)
	writeJSON(t, filepath.Join(dir, "metadata.json"), map[string]any{
		"train_losses": m.TrainLosses, "test_losses": m.TestLosses, "train_indices": m.TrainIndices,
		"test_indices": m.TestIndices, "checkpoint_epochs": m.CheckpointEpochs, "num_epochs": m.NumEpochs})
	nctx := int(cfg["n_ctx"].(float64))
	mask := make([]bool, nctx*nctx)
	for i := range nctx {
		for j := 0; j <= i; j++ {
			mask[i*nctx+j] = true
		}
	}
	for _, e := range m.CheckpointEpochs {
		ck, err := v.LoadCheckpoint(e)
		if err != nil {
			t.Fatal(err)
		}
		ts := ck.Tensors
		ts["blocks.0.attn.mask"] = sdk.FromBool(mask, nctx, nctx)
		ts["blocks.0.attn.IGNORE"] = sdk.FromFloat32([]float32{-1e5}) // 0-d, as TransformerLens registers it
		if err := checkpoint.WriteFile(filepath.Join(dir, "checkpoints", variant.CheckpointName(e)), ts, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImport(t *testing.T) {
	fam := family(t)
	orig := trained(t, fam)
	ref := filepath.Join(t.TempDir(), "modulo_addition_1layer_p17_seed5_dseed598")
	writeReference(t, orig, ref)

	r, err := ReadReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	v, err := Import(context.Background(), r, Options{Results: results, Family: fam, Plugin: modadd.New(), TDWVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != orig.Name {
		t.Errorf("imported as %s, want %s (the same parameters)", v.Name, orig.Name)
	}
	if st, err := v.State(); err != nil || st != variant.Trained {
		t.Errorf("state %v %v, want TRAINED", st, err)
	}
	got, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := orig.Metadata()
	if got.Status != variant.StatusComplete || got.NumEpochs != 30 || got.EpochsCompleted != 30 || got.ResumeEpoch != -1 {
		t.Errorf("metadata status %s epochs %d/%d resume %d", got.Status, got.EpochsCompleted, got.NumEpochs, got.ResumeEpoch)
	}
	if !equalFloats(got.TrainLosses, want.TrainLosses, 0) || !equalFloats(got.TestLosses, want.TestLosses, 0) {
		t.Error("losses not kept")
	}
	if !equalInts(got.TrainIndices, want.TrainIndices) || !equalInts(got.TestIndices, want.TestIndices) {
		t.Error("split not kept")
	}
	if len(got.Checkpoints) != 4 {
		t.Fatalf("checkpoints %v", got.CheckpointEpochs)
	}
	for i, c := range got.Checkpoints {
		w := want.Checkpoints[i]
		sum, err := checkpoint.FileSHA256(filepath.Join(ref, "checkpoints", variant.CheckpointName(c.Epoch)))
		if err != nil || c.SHA256 != sum {
			t.Errorf("epoch %d: sha256 %s, the reference file's %s (%v)", c.Epoch, c.SHA256, sum, err)
		}
		// The engine evaluates the copy on the reference's split: the
		// numbers training recorded for the same weights and split.
		for _, p := range [][2]float64{{c.TrainLoss, w.TrainLoss}, {c.TestLoss, w.TestLoss}, {c.TrainAccuracy, w.TrainAccuracy}, {c.TestAccuracy, w.TestAccuracy}} {
			if !scalar.EqualWithinAbsOrRel(p[0], p[1], 1e-9, 1e-6) {
				t.Errorf("epoch %d: record %+v, training recorded %+v", c.Epoch, c, w)
				break
			}
		}
		if _, err := v.LoadModel(c.Epoch); err != nil {
			t.Errorf("epoch %d: %v", c.Epoch, err)
		}
	}

	// A second import finds the variant trained and refuses.
	if _, err := Import(context.Background(), r, Options{Results: results, Family: fam, Plugin: modadd.New()}); err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("second import: %v", err)
	}
}

func equalFloats(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !scalar.EqualWithinAbsOrRel(a[i], b[i], tol, tol) {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRefusesOtherLayouts: every folder that is not a reference variant is
// refused with an error that names it and says what was expected.
func TestRefusesOtherLayouts(t *testing.T) {
	fam := family(t)
	orig := trained(t, fam)
	good := filepath.Join(t.TempDir(), "ref")
	writeReference(t, orig, good)
	cases := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		want  string
		param bool // the error comes from Params or Import, not ReadReference
	}{
		{"no config", func(t *testing.T, d string) { os.Remove(filepath.Join(d, "config.json")) }, "no config.json: not a reference variant folder", false},
		{"no metadata", func(t *testing.T, d string) { os.Remove(filepath.Join(d, "metadata.json")) }, "no metadata.json", false},
		{"tdw variant", func(t *testing.T, d string) {
			copyTo(t, orig.MetadataPath(), filepath.Join(d, "metadata.json"))
		}, "this is a tdw variant", false},
		{"missing keys", func(t *testing.T, d string) {
			writeJSON(t, filepath.Join(d, "metadata.json"), map[string]any{"train_losses": []float64{1}})
		}, "test_losses, train_indices, test_indices, checkpoint_epochs, num_epochs missing", false},
		{"no checkpoints", func(t *testing.T, d string) { os.RemoveAll(filepath.Join(d, "checkpoints")) }, "no checkpoints folder", false},
		{"stray file", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(d, "checkpoints", "model.pt"), nil, 0o644)
		}, `unexpected "model.pt"`, false},
		{"unlisted checkpoint", func(t *testing.T, d string) {
			os.Remove(filepath.Join(d, "checkpoints", variant.CheckpointName(20)))
		}, "checkpoint_epochs [0 10 20 30], but checkpoints/ holds epochs [0 10 30]", false},
		{"short losses", func(t *testing.T, d string) { editMeta(t, d, func(m map[string]any) { m["num_epochs"] = 40 }) }, "an unfinished run cannot be imported", false},
		{"no fraction", func(t *testing.T, d string) {
			editConfig(t, d, func(c map[string]any) { delete(c, "training_fraction") })
		},
			`no train_fraction or training_fraction for family modulo_addition_1layer's parameter "train_fraction"`, true},
		{"bad prime", func(t *testing.T, d string) { editConfig(t, d, func(c map[string]any) { c["prime"] = 2000 }) }, "prime", true},
		{"other model", func(t *testing.T, d string) { editConfig(t, d, func(c map[string]any) { c["d_mlp"] = 64 }) },
			"d_mlp is 64, but the family builds 512 for these parameters", true},
		{"not weights", func(t *testing.T, d string) {
			os.WriteFile(filepath.Join(d, "checkpoints", variant.CheckpointName(10)), []byte("not safetensors"), 0o644)
		}, variant.CheckpointName(10), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ref")
			copyDir(t, good, dir)
			tc.edit(t, dir)
			r, err := ReadReference(dir)
			if err == nil && tc.param {
				_, err = Import(context.Background(), r, Options{Results: t.TempDir(), Family: fam, Plugin: modadd.New()})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

func editMeta(t *testing.T, dir string, f func(map[string]any)) {
	editJSON(t, filepath.Join(dir, "metadata.json"), f)
}
func editConfig(t *testing.T, dir string, f func(map[string]any)) {
	editJSON(t, filepath.Join(dir, "config.json"), f)
}

func editJSON(t *testing.T, path string, f func(map[string]any)) {
	t.Helper()
	var m map[string]any
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("%s: %v", path, err)
	}
	f(m)
	writeJSON(t, path, m)
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		copyTo(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
