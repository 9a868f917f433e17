package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/internal/pythontest"
)

// pythonAnalyzers are the Python analyzers shipped in analyzers/.
var pythonAnalyzers = []string{"neuron_freq_norm_py", "frequency_ablation"}

// TestPythonPackage installs the tdw Python package into a fresh venv, runs
// its unit tests, then has tdw-host launch both shipped Python analyzers and
// the one docs/writing-a-python-analyzer.md shows (its two blocks copied into
// a folder, as the doc says) on a tiny variant beside the Go
// neuron_freq_norm, and checks from Python, through the notebook API, that
// the numpy port equals the Go analyzer and that the other results agree
// with the training record.
func TestPythonPackage(t *testing.T) {
	repo := plugintest.RepoRoot()
	bin := pythontest.Venv(t, repo)
	py := filepath.Join(bin, "python3")

	// The package's own tests, against the installed package (run from the
	// tests folder so that the source tree is not on sys.path).
	unit := exec.Command(py, "-m", "unittest", "discover", "-s", ".", "-p", "test_*.py")
	unit.Dir = filepath.Join(repo, "python", "tests")
	unit.Env = append(os.Environ(), "TDW_REPO_ANALYZERS="+filepath.Join(repo, "analyzers"))
	if out, err := unit.CombinedOutput(); err != nil {
		t.Fatalf("python unit tests: %v\n%s", err, out)
	} else if !strings.Contains(string(out), "\nOK") {
		t.Fatalf("python unit tests did not report OK:\n%s", out)
	}

	host := hostBinary(t)
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	for _, a := range pythonAnalyzers {
		d := filepath.Join(root, "analyzers", a)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"analyzer.json", "analyzer.py"} {
			copyFile(t, filepath.Join(repo, "analyzers", a, f), filepath.Join(d, f), 0o644)
		}
	}
	docName := installDocAnalyzer(t, filepath.Join(repo, "docs", "writing-a-python-analyzer.md"), filepath.Join(root, "analyzers"))

	results := filepath.Join(root, "results")
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TDW_FAMILIES="+filepath.Join(root, "model_families"), "TDW_RESULTS="+results,
		"TDW_ANALYZERS="+filepath.Join(root, "analyzers"))
	sel := strings.Join(append([]string{"neuron_freq_norm", docName}, pythonAnalyzers...), ",")
	const variantName = "modulo_addition_1layer_p17_seed999_dseed598_frac0.5"
	var out []byte
	for _, args := range [][]string{
		{"train", "modulo_addition_1layer", "-p", "prime=17", "-p", "train_fraction=0.5", "--epochs", "40", "--checkpoints", "0:40:20"},
		{"analyze", variantName, "--analyzers", sel, "--quiet"},
	} {
		cmd := exec.Command(host, args...)
		cmd.Env = env
		var err error
		if out, err = cmd.CombinedOutput(); err != nil {
			t.Fatalf("tdw-host %s: %v\n%s", args[0], err, out)
		}
	}
	for _, a := range append([]string{docName}, pythonAnalyzers...) {
		if !strings.Contains(string(out), a+" ") || strings.Contains(string(out), "error") {
			t.Errorf("run output for %s:\n%s", a, out)
		}
	}

	check := exec.Command(py, "-c", notebookCheck, "modulo_addition_1layer", host, docName)
	check.Env = env
	if out, err := check.CombinedOutput(); err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "ok") {
		t.Errorf("notebook check: %v\n%s", err, out)
	}
}

// installDocAnalyzer writes the first python and json blocks of the doc into
// a folder of analyzers named after the manifest, and returns the name.
func installDocAnalyzer(t *testing.T, doc, analyzers string) string {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	block := func(lang string) string {
		_, rest, ok := strings.Cut(string(b), "```"+lang+"\n")
		if !ok {
			t.Fatalf("%s has no %s block", doc, lang)
		}
		body, _, ok := strings.Cut(rest, "```\n")
		if !ok {
			t.Fatalf("%s: the first %s block does not end", doc, lang)
		}
		return body
	}
	js := block("json")
	_, after, ok := strings.Cut(js, `"name": "`)
	name, _, _ := strings.Cut(after, `"`)
	if !ok || name == "" {
		t.Fatalf("%s: the json block names no analyzer", doc)
	}
	d := filepath.Join(analyzers, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, body := range map[string]string{"analyzer.py": block("python"), "analyzer.json": js} {
		if err := os.WriteFile(filepath.Join(d, f), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

// notebookCheck reads the run through the tdw package: argv = family,
// tdw-host binary, the doc analyzer's name.
const notebookCheck = `
import sys
import numpy as np
import tdw

family, host, doc = sys.argv[1:]
v = tdw.load_family(family).get_variant(prime=17, train_fraction=0.5)
meta = v.metadata
eps = v.checkpoint_epochs
assert eps == [0, 20, 40], eps
a = v.artifacts
for name in ("neuron_freq_norm", "neuron_freq_norm_py", "frequency_ablation", doc):
    assert a.epochs(name) == eps, (name, a.epochs(name))

# The numpy port equals the Go analyzer to float32 round-off.
go, port = a.load("neuron_freq_norm"), a.load("neuron_freq_norm_py")
assert go["norm_matrix"].shape == (3, 8, 512) and port["norm_matrix"].dtype == np.float32
diff = np.abs(go["norm_matrix"] - port["norm_matrix"]).max()
assert diff <= 1e-6, diff
gs, ps = a.summary("neuron_freq_norm"), a.summary("neuron_freq_norm_py")
assert list(gs.epochs) == eps and list(ps.epochs) == eps
for k in gs.keys():
    assert np.array_equal(gs[k], ps[k]), (k, gs[k], ps[k])

# frequency_ablation's unablated loss is the training record's test loss.
fa = a.summary("frequency_ablation")
rec = {c["epoch"]: c for c in meta["checkpoints"]}
for i, e in enumerate(fa.epochs):
    assert abs(fa["base_loss"][i] - rec[e]["test_loss"]) <= 1e-5 * max(1, rec[e]["test_loss"]), (e, fa["base_loss"][i], rec[e])
    assert abs(fa["base_accuracy"][i] - rec[e]["test_accuracy"]) <= 1e-9, (e, fa["base_accuracy"][i], rec[e])
lossinc = a.load("frequency_ablation", "loss_increase")["loss_increase"]
assert lossinc.shape == (3, 8) and np.isfinite(lossinc).all()
assert a.summary(doc)["dead_count"].dtype == np.int64

st = v.artifact_status()
assert st["neuron_freq_norm_py"]["done"] == eps and not st["neuron_freq_norm_py"]["stale"], st

# run_with_cache runs tdw's engine: its logits give the recorded accuracies.
p = 17
pairs = np.array([[x, y] for x in range(p) for y in range(p)])
cache = v.run_with_cache(40, v.make_probe(pairs), hooks="blocks.*.mlp.hook_post", positions="last", host=host)
assert cache["blocks.0.mlp.hook_post"].shape == (p * p, 512), cache["blocks.0.mlp.hook_post"].shape
pred = cache["logits"].argmax(axis=-1)
right = pred == (pairs[:, 0] + pairs[:, 1]) % p
for split in ("train", "test"):
    acc = right[meta[split + "_indices"]].mean()
    assert abs(acc - rec[40][split + "_accuracy"]) <= 1e-9, (split, acc, rec[40])

# Training recorded the family's probes, which the package reads, checking
# each file's sha256 as tdw does.
assert v.default_probe == "full_grid" and sorted(v.probes) == ["full_grid", "residue_classes", "test", "train"], v.probes
tok, lab = v.probe("full_grid")
assert np.array_equal(tok, v.make_probe(pairs)) and np.array_equal(lab, (pairs[:, 0] + pairs[:, 1]) % p)
tr, _ = v.probe("train")
assert np.array_equal(tr, v.make_probe(pairs)[meta["train_indices"]])

w = v.load_checkpoint(40)
assert w["embed.W_E"].shape == (p + 1, 128) and w["embed.W_E"].dtype == np.float32
print("ok")
`
