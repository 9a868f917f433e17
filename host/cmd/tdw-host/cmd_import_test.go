package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// TestImportThenAnalyze trains a tiny variant, lays it out as the reference
// project writes one (its folder name, config and metadata keys, checkpoints
// with the TransformerLens buffers and no tdw metadata), imports that with
// `tdw-host import`, analyzes the import, and checks that its artifacts are
// those of the original: the same weights give the same bytes.
func TestImportThenAnalyze(t *testing.T) {
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": filepath.Join(root, "results"),
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	const name = "modulo_addition_1layer_p17_seed3_dseed598_frac0.5"
	r := run(t, env, "train", "modulo_addition_1layer", "-p", "prime=17", "-p", "seed=3", "-p", "train_fraction=0.5",
		"--epochs", "20", "--checkpoints", "0:20:10", "--quiet")
	if r.code != exitOK {
		t.Fatalf("train: %d %s", r.code, r.stderr)
	}
	orig, err := variant.Open(env["TDW_RESULTS"], "modulo_addition_1layer", name)
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(t.TempDir(), "modulo_addition_1layer_p17_seed3_dseed598")
	referenceLayout(t, orig, ref)

	imported := map[string]string{"TDW_FAMILIES": env["TDW_FAMILIES"], "TDW_ANALYZERS": env["TDW_ANALYZERS"],
		"TDW_RESULTS": filepath.Join(t.TempDir(), "results")}
	r = run(t, imported, "import", ref)
	if r.code != exitOK {
		t.Fatalf("import: code %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"variant      " + name, "checkpoints  3", "next         tdw-host analyze " + name} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("import output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, e := range []map[string]string{env, imported} {
		if r := run(t, e, "analyze", name, "--analyzers", "neuron_freq_norm", "--quiet"); r.code != exitOK {
			t.Fatalf("analyze: code %d\n%s", r.code, r.stderr)
		}
	}
	for _, f := range []string{"neuron_freq_norm/epoch_00010.npz", "neuron_freq_norm/summary.npz"} {
		a, err := os.ReadFile(filepath.Join(orig.ArtifactsDir(), f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(imported["TDW_RESULTS"], "modulo_addition_1layer", name, "analysis", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s of the imported variant differs from the original's", f)
		}
	}

	// Importing again, or a folder of another layout, is refused.
	if r := run(t, imported, "import", ref); r.code == exitOK || !strings.Contains(r.stderr, "already holds a run") {
		t.Errorf("second import: code %d %q", r.code, r.stderr)
	}
	if r := run(t, imported, "import", orig.Dir()); r.code == exitOK || !strings.Contains(r.stderr, "this is a tdw variant") {
		t.Errorf("import of a tdw variant: code %d %q", r.code, r.stderr)
	}
	other := filepath.Join(t.TempDir(), "someone_else_p17")
	if err := os.Rename(ref, other); err != nil {
		t.Fatal(err)
	}
	if r := run(t, imported, "import", other); r.code != exitUsage {
		t.Errorf("unknown family: code %d %q", r.code, r.stderr)
	} else {
		oneErrorLine(t, r, "cannot tell the family")
	}
}

// referenceLayout writes v as the reference project lays out a variant: its
// config.json keys (domain parameters beside the TransformerLens keys), a
// compact metadata.json with only the reference's keys, and checkpoints
// holding the full TransformerLens state dict (attention mask and IGNORE
// buffers) without tdw's metadata.
func referenceLayout(t *testing.T, v *variant.Variant, dir string) {
	t.Helper()
	m, err := v.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if b, err := os.ReadFile(v.ConfigPath()); err != nil || json.Unmarshal(b, &cfg) != nil {
		t.Fatalf("config: %v", err)
	}
	delete(cfg, "attn_only")
	delete(cfg, "initializer_range")
	cfg["prime"], cfg["seed"], cfg["data_seed"] = v.Params["prime"], v.Params["seed"], v.Params["data_seed"]
	cfg["model_seed"], cfg["training_fraction"] = v.Params["seed"], v.Params["train_fraction"]
	meta := map[string]any{"train_losses": m.TrainLosses, "test_losses": m.TestLosses, "train_indices": m.TrainIndices,
		"test_indices": m.TestIndices, "checkpoint_epochs": m.CheckpointEpochs, "num_epochs": m.NumEpochs}
	if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	for file, val := range map[string]any{"config.json": cfg, "metadata.json": meta} {
		b, err := json.Marshal(val)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mask := []bool{true, false, false, true, true, false, true, true, true} // n_ctx = 3, causal
	for _, e := range m.CheckpointEpochs {
		ck, err := v.LoadCheckpoint(e)
		if err != nil {
			t.Fatal(err)
		}
		ck.Tensors["blocks.0.attn.mask"] = sdk.FromBool(mask, 3, 3)
		ck.Tensors["blocks.0.attn.IGNORE"] = sdk.FromFloat32([]float32{-1e5})
		if err := checkpoint.WriteFile(filepath.Join(dir, "checkpoints", variant.CheckpointName(e)), ck.Tensors, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
	}
}
