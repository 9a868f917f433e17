package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tdw-workbench/tdw/host/variant"
)

var (
	modaddOnce sync.Once
	modaddBin  string
	modaddErr  error
)

// modaddFamilies returns a families folder holding the real
// modulo_addition_1layer family.json and its plugin, built once per test
// binary.
func modaddFamilies(t *testing.T) string {
	t.Helper()
	modaddOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tdw-modadd-")
		if err != nil {
			modaddErr = err
			return
		}
		modaddBin = filepath.Join(dir, "modulo_addition_1layer")
		out, err := exec.Command("go", "build", "-o", modaddBin, "../../../plugins/families/modulo_addition_1layer").CombinedOutput()
		if err != nil {
			modaddErr = err
			t.Logf("%s", out)
		}
	})
	if modaddErr != nil {
		t.Fatalf("build modulo_addition_1layer plugin: %v", modaddErr)
	}
	t.Cleanup(func() {}) // the binary is shared by the tests of this binary
	root := t.TempDir()
	fam := filepath.Join(root, "model_families", "modulo_addition_1layer")
	if err := os.MkdirAll(fam, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, "../../../model_families/modulo_addition_1layer/family.json", filepath.Join(fam, "family.json"), 0o644)
	copyFile(t, modaddBin, filepath.Join(fam, "modulo_addition_1layer"), 0o755)
	return root
}

func TestTrainCommand(t *testing.T) {
	root := modaddFamilies(t)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	tiny := []string{"train", "modulo_addition_1layer", "-p", "prime=17", "-p", "train_fraction=0.5", "-p", "seed=3"}
	const name = "modulo_addition_1layer_p17_seed3_dseed598_frac0.5"

	r := run(t, env, append(tiny, "--epochs", "20", "--checkpoints", "0:20:10")...)
	if r.code != exitOK {
		t.Fatalf("train: code %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"variant      " + name, "epochs       20", "checkpoints  3"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "epoch 20/20  train loss") || !strings.Contains(r.stderr, "ETA") {
		t.Errorf("no progress line on stderr: %q", r.stderr)
	}
	dir := filepath.Join(results, "modulo_addition_1layer", name)
	for _, f := range []string{"config.json", "metadata.json", "checkpoints/checkpoint_epoch_00000.safetensors",
		"checkpoints/checkpoint_epoch_00020.safetensors", "checkpoints/optimizer_epoch_00020.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}

	// Refused without --force, extended with --extend-to.
	r = run(t, env, append(tiny, "--epochs", "20")...)
	if r.code != exitRuntime {
		t.Errorf("retrain without --force: code %d", r.code)
	}
	oneErrorLine(t, r, "use --force")
	r = run(t, env, append(tiny, "--extend-to", "30", "--quiet")...)
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("extend: code %d, stderr %q", r.code, r.stderr)
	}

	// A foreign folder is ignored by variants.
	os.MkdirAll(filepath.Join(results, "modulo_addition_1layer", "scratch"), 0o755)
	r = run(t, env, "variants", "modulo_addition_1layer")
	if r.code != exitOK {
		t.Fatalf("variants: code %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("variants printed %d lines:\n%s", len(lines), r.stdout)
	}
	f := strings.Fields(lines[1])
	if f[0] != "modulo_addition_1layer" || f[1] != name || f[2] != string(variant.Trained) || f[3] != "30" || f[6] != "4" {
		t.Errorf("variants row %q", lines[1])
	}
}

func TestTrainCommandBadInput(t *testing.T) {
	root := modaddFamilies(t)
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": filepath.Join(root, "results"),
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	base := []string{"train", "modulo_addition_1layer"}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-p", "prime=21"}, exitRuntime, `"prime" is 21, which is not prime`},
		{[]string{"-p", "prime=abc"}, exitUsage, `parameter "prime"`},
		{[]string{"-p", "modulus=7"}, exitUsage, `parameter "modulus" is unknown`},
		{[]string{"-p", "train_fraction=1.5"}, exitUsage, `parameter "train_fraction"`},
		{[]string{"-p", "prime"}, exitUsage, `-p "prime": want NAME=VALUE`},
		{[]string{"-p", "prime=5", "-p", "prime=7"}, exitUsage, "-p prime given twice"},
		{[]string{"--preset", "huge"}, exitUsage, `no preset "huge"`},
		{[]string{"--checkpoints", "0:x"}, exitUsage, `--checkpoints`},
		{[]string{"--epochs", "10", "--checkpoints", "0:100:10"}, exitUsage, "beyond the run's 10 epochs"},
		{[]string{"--force", "--resume"}, exitUsage, "--force: starts over: it cannot be combined with --resume or --extend-to"},
		{[]string{"--epochs", "5", "--extend-to", "10"}, exitUsage, "--extend-to sets the epoch count: drop --epochs"},
		{[]string{"--resume", "--epochs", "5"}, exitUsage, "--resume: continues the recorded run: --epochs and --checkpoints do not apply (use --extend-to"},
		{[]string{"-p", "prime=5", "--resume"}, exitRuntime, "never been trained"},
	} {
		args := append(append([]string(nil), base...), c.args...)
		r := run(t, env, args...)
		if r.code != c.code {
			t.Errorf("%v: code %d, want %d (stderr %q)", c.args, r.code, c.code, r.stderr)
			continue
		}
		oneErrorLine(t, r, c.msg)
	}
	if r := run(t, env, "train", "ghost"); r.code != exitRuntime || !strings.Contains(r.stderr, `"ghost"`) {
		t.Errorf("unknown family: %d %q", r.code, r.stderr)
	}
	// Nothing refused at parameter level left a variant folder behind.
	entries, _ := os.ReadDir(filepath.Join(root, "results", "modulo_addition_1layer"))
	for _, e := range entries {
		if !strings.Contains(e.Name(), "_p5_") {
			t.Errorf("refused input left %s", e.Name())
		}
	}
}

// TestTrainDryRunAndGuard: --dry-run prints the estimate against the
// machine and trains nothing; a run the machine cannot hold (p = 1009 with
// 99% of the pairs for training: about 35 GB) is refused with the estimate
// and the flag that overrides it, where the machine has less memory.
func TestTrainDryRunAndGuard(t *testing.T) {
	root := modaddFamilies(t)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	r := run(t, env, "train", "modulo_addition_1layer", "-p", "prime=17", "--epochs", "20", "--dry-run")
	if r.code != exitOK {
		t.Fatalf("dry run: code %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"training of modulo_addition_1layer_p17_seed999_dseed598_frac0.3: about ", " of memory (available: ",
		"memory: engine: ", "disk: 21 checkpoints of ", "dry run: nothing trained"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(results); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote the results folder: %v", err)
	}
	huge := []string{"train", "modulo_addition_1layer", "-p", "prime=1009", "-p", "train_fraction=0.99", "--epochs", "10"}
	r = run(t, env, append(huge, "--dry-run")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "dry run: nothing trained") {
		t.Fatalf("dry run of p=1009: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "would be refused") {
		t.Skipf("this machine could train p=1009 on 99%% of the pairs:\n%s", r.stdout)
	}
	r = run(t, env, huge...)
	if r.code != exitRuntime {
		t.Fatalf("p=1009: code %d, want %d (stderr %q)", r.code, exitRuntime, r.stderr)
	}
	oneErrorLine(t, r, "training of modulo_addition_1layer_p1009_seed999_dseed598_frac0.99 needs about ")
	if !strings.Contains(r.stderr, "allow_large (tdw-host --allow-large) runs it anyway") {
		t.Errorf("refusal does not name the override: %q", r.stderr)
	}
}
