package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/sdk"
)

// TestProbeCommands: training records the family's probes; probe list shows
// them; probe add records a researcher's probe and refuses bad files (exit
// 1) and bad or taken names (exit 2) with one line naming what is wrong;
// analyze --probe writes apart and artifacts --probe reports it.
func TestProbeCommands(t *testing.T) {
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	const name = "modulo_addition_1layer_p7_seed999_dseed598_frac0.5"
	r := run(t, env, "train", "modulo_addition_1layer", "-p", "prime=7", "-p", "train_fraction=0.5", "--epochs", "20", "--quiet")
	if r.code != exitOK {
		t.Fatalf("train: code %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, "probe", "list", name)
	if r.code != exitOK {
		t.Fatalf("probe list: code %d, %s", r.code, r.stderr)
	}
	for _, want := range []string{"full_grid (default)  49", "train", "test", "residue_classes", "family: per_residue per_class=4 seed=0", "family: split split=train"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("probe list lacks %q:\n%s", want, r.stdout)
		}
	}

	dir := t.TempDir()
	npy := func(file string, x *sdk.Tensor) string {
		p := filepath.Join(dir, file)
		if err := artifact.WriteNPY(p, x); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := npy("good.npy", sdk.FromInt64([]int64{1, 2, 7, 3, 4, 7, 0, 0, 7}, 3, 3))
	labels := npy("labels.npy", sdk.FromInt64([]int64{3, 0, 0}, 3))
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"mine", npy("f.npy", sdk.FromFloat32([]float32{1, 2, 7}, 1, 3))}, exitRuntime, "f.npy: dtype float32, want integers"},
		{[]string{"mine", npy("v.npy", sdk.FromInt64([]int64{1, 9, 7}, 1, 3))}, exitRuntime, "v.npy: row 0, position 1: token 9 is outside the model's vocabulary [0, 8)"},
		{[]string{"mine", npy("w.npy", sdk.FromInt64([]int64{1, 2}, 1, 2))}, exitRuntime, "w.npy: shape (1, 2), want (rows, 3)"},
		{[]string{"mine", good, "--labels", npy("l.npy", sdk.FromInt64([]int64{3, 0}, 2))}, exitRuntime, "l.npy: 2 labels, but " + good + " has 3 rows"},
		{[]string{"mine", good, "--labels", npy("l7.npy", sdk.FromInt64([]int64{3, 0, 7}, 3))}, exitRuntime, "l7.npy: row 2: label 7 is outside"},
		{[]string{"mine", filepath.Join(dir, "none.npy")}, exitRuntime, "none.npy: no such file"},
		{[]string{"Mine", good}, exitUsage, `probe name "Mine" is not valid`},
		{[]string{"train", good}, exitUsage, `probe name "train" is taken: variant ` + name + " already has a probe train"},
		{[]string{"mine"}, exitUsage, "accepts 3 arg(s)"},
	} {
		r := run(t, env, append([]string{"probe", "add", name}, c.args...)...)
		if r.code != c.code {
			t.Errorf("probe add %v: code %d, want %d (%s)", c.args, r.code, c.code, r.stderr)
		}
		oneErrorLine(t, r, c.want)
	}
	if _, err := os.Stat(filepath.Join(results, "modulo_addition_1layer", name, "probes", "mine")); err == nil {
		t.Error("refused adds left a probe folder")
	}
	r = run(t, env, "probe", "add", name, "mine", good, "--labels", labels, "--description", "three pairs")
	if r.code != exitOK || !strings.Contains(r.stdout, "recorded probe mine of "+name+": 3 rows of 3 tokens, labels") {
		t.Fatalf("probe add: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "probe", "add", name, "mine", good)
	if r.code != exitUsage {
		t.Errorf("adding mine twice: code %d", r.code)
	}
	oneErrorLine(t, r, `probe name "mine" is taken`)

	r = run(t, env, "analyze", name, "--probe", "mine", "--analyzers", "input_trace,neuron_freq_norm", "--quiet")
	if r.code != exitOK {
		t.Fatalf("analyze --probe mine: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	probeDir := filepath.Join(results, "modulo_addition_1layer", name, "analysis", "probes", "mine")
	for _, want := range []string{"-       not applicable\n", `neuron_freq_norm: not applicable: analyzer neuron_freq_norm declares context "probe_shape"`, "artifacts in " + probeDir} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("analyze --probe output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "variant summary") {
		t.Errorf("an analysis over probe mine printed the variant summary:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(probeDir, "input_trace", "epoch_00020.npz")); err != nil {
		t.Error(err)
	}
	r = run(t, env, "artifacts", name, "--probe", "mine")
	if r.code != exitOK || !strings.Contains(r.stdout, "artifacts in "+probeDir+" (probe mine)") {
		t.Errorf("artifacts --probe mine: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "probe", "list", name)
	if !strings.Contains(r.stdout, "mine") || !strings.Contains(r.stdout, "file") || !strings.Contains(r.stdout, "1 analyzers") {
		t.Errorf("probe list after add and analyze:\n%s", r.stdout)
	}
	// views and export draw the analyses over the probe asked for, and only
	// those: input_trace ran over mine alone.
	r = run(t, env, "views", name, "--probe", "mine")
	if r.code != exitOK || !strings.Contains(r.stdout, "input_trace/predictions") {
		t.Errorf("views --probe mine: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r = run(t, env, "views", name); strings.Contains(r.stdout, "input_trace/predictions") {
		t.Errorf("views over the default probe list input_trace, which ran over mine only:\n%s", r.stdout)
	}
	svg := filepath.Join(dir, "pred.svg")
	r = run(t, env, "export", name, "input_trace/predictions", "--probe", "mine", "--format", "svg", "--out", svg)
	if r.code != exitOK {
		t.Errorf("export --probe mine: code %d\n%s", r.code, r.stderr)
	} else if _, err := os.Stat(svg); err != nil {
		t.Error(err)
	}
	if r = run(t, env, "export", name, "input_trace/predictions", "--format", "svg", "--out", svg+"2"); r.code == exitOK {
		t.Errorf("export over the default probe drew input_trace, which ran over mine only")
	}
	for _, args := range [][]string{{"analyze", name, "--probe", "nope", "--analyzers", "input_trace"}, {"artifacts", name, "--probe", "nope"},
		{"views", name, "--probe", "nope"}, {"export", name, "loss", "--probe", "nope", "--out", svg + "3"}} {
		r = run(t, env, args...)
		if r.code != exitUsage {
			t.Errorf("%v: code %d", args, r.code)
		}
		oneErrorLine(t, r, `has no probe "nope"`)
	}
}
