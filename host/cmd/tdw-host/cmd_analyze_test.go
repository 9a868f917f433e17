package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/internal/pythontest"
)

var (
	analyzersOnce sync.Once
	analyzersBin  string
	analyzersErr  error
)

// cliAnalyzers are the real analyzers the analyze/run tests install.
var cliAnalyzers = []string{"input_trace", "neuron_freq_norm", "neuron_dynamics"}

// installAnalyzers builds cliAnalyzers once per test binary and installs them,
// with their analyzer.json, into root/analyzers.
func installAnalyzers(t *testing.T, root string) {
	t.Helper()
	analyzersOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tdw-cli-analyzers-")
		if err != nil {
			analyzersErr = err
			return
		}
		analyzersBin = dir
		analyzersErr = plugintest.BuildAnalyzers(dir, cliAnalyzers)
	})
	if analyzersErr != nil {
		t.Fatalf("build analyzers: %v", analyzersErr)
	}
	for _, a := range cliAnalyzers {
		d := filepath.Join(root, "analyzers", a)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		copyFile(t, filepath.Join(analyzersBin, a, "analyzer.json"), filepath.Join(d, "analyzer.json"), 0o644)
		copyFile(t, filepath.Join(analyzersBin, a, a), filepath.Join(d, a), 0o755)
	}
}

func TestRunAnalyzeArtifacts(t *testing.T) {
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	const name = "modulo_addition_1layer_p17_seed999_dseed598_frac0.5"
	tiny := []string{"-p", "prime=17", "-p", "train_fraction=0.5"}
	sel := []string{"--analyzers", strings.Join(cliAnalyzers, ",")}

	// run trains the untrained variant, then analyzes it.
	r := run(t, env, append(append(append([]string{"run", "--epochs", "40"}, tiny...), sel...), "--quiet")...)
	if r.code != exitOK {
		t.Fatalf("run: code %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	dir := filepath.Join(results, "modulo_addition_1layer", name)
	for _, want := range []string{"training " + name, "analyzing " + name, "neuron_freq_norm", "artifacts:   " + filepath.Join(dir, "analysis")} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, f := range []string{"analysis/manifest.json", "analysis/input_trace/summary.npz", "analysis/neuron_freq_norm/epoch_00040.npz",
		"analysis/neuron_dynamics/cross_epoch.npz"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}

	// A second run trains nothing and computes nothing.
	r = run(t, env, append(append(append([]string{"run"}, tiny...), sel...), "--quiet")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "is ANALYZED; not training") {
		t.Fatalf("rerun: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(line)
		if len(f) == 5 && f[0] == "neuron_freq_norm" && f[1] != "0" {
			t.Errorf("rerun recomputed: %q", line)
		}
	}

	// artifacts names the variant by folder name too.
	r = run(t, env, "artifacts", name)
	if r.code != exitOK {
		t.Fatalf("artifacts: code %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "neuron_freq_norm") || !strings.Contains(r.stdout, "neuron_dynamics") {
		t.Errorf("artifacts output:\n%s", r.stdout)
	}

	// analyze by FAMILY -p ..., one checkpoint, forced.
	r = run(t, env, append(append([]string{"analyze", "modulo_addition_1layer"}, tiny...), "--analyzers", "input_trace", "--checkpoints", "20", "--force", "--quiet")...)
	if r.code != exitOK {
		t.Fatalf("analyze: code %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "input_trace  1 ") {
		t.Errorf("forced analyze of one checkpoint:\n%s", r.stdout)
	}

	// Bad input is refused with the name of what is wrong.
	r = run(t, env, "analyze", name, "--analyzers", "input_trace", "--set", "input_trace.bogus=1")
	if r.code == exitOK {
		t.Error("unknown analyzer parameter accepted")
	}
	oneErrorLine(t, r, "bogus")
	r = run(t, env, "analyze", "no_such_thing")
	if r.code != exitUsage {
		t.Errorf("unknown variant: code %d", r.code)
	}
	r = run(t, env, "analyze", "../../etc")
	if r.code != exitUsage {
		t.Errorf("escaping variant name: code %d, stderr %q", r.code, r.stderr)
	}

	// numpy reads what a real run wrote (CI installs it; elsewhere the check is skipped without it).
	{
		py := pythontest.Numpy(t)
		script := `
import json, struct, sys, numpy as np
d = sys.argv[1]
import os
ck = sorted(int(f[17:22]) for f in os.listdir(d + "/checkpoints") if f.startswith("checkpoint_epoch_"))
s = np.load(d + "/analysis/input_trace/summary.npz")
assert list(s["epochs"]) == ck, (s["epochs"], ck)
e = np.load(d + "/analysis/neuron_freq_norm/epoch_00040.npz")
nm = e["norm_matrix"]
assert nm.shape == (8, 512) and nm.dtype == np.float32, (nm.shape, nm.dtype)
assert np.all(nm >= -1e-6) and np.all(nm.sum(axis=0) <= 1 + 1e-4)
raw = open(d + "/checkpoints/checkpoint_epoch_00040.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
h = json.loads(raw[8:8+n])
we = h["embed.W_E"]
assert we["dtype"] == "F32" and we["shape"] == [18, 128], we
b, e_ = we["data_offsets"]
W = np.frombuffer(raw[8+n+b:8+n+e_], dtype="<f4").reshape(we["shape"])
assert np.isfinite(W).all()
print("ok")
`
		out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Errorf("numpy could not read the run's files: %v\n%s", err, out)
		}
	}

}
