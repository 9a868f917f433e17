package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepCommandChecks: a dry run shows the variants, the dropped grid
// point and the sbatch calls split to the cluster's MaxArraySize, and
// records nothing; bad requests are refused before anything runs.
func TestSweepCommandChecks(t *testing.T) {
	root := modaddFamilies(t)
	installAnalyzers(t, root)
	results := filepath.Join(root, "results")
	env := map[string]string{"TDW_FAMILIES": filepath.Join(root, "model_families"), "TDW_RESULTS": results,
		"TDW_ANALYZERS": filepath.Join(root, "analyzers")}
	// A fake scontrol: this cluster takes arrays of two tasks.
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "scontrol"), []byte("#!/bin/sh\necho 'MaxArraySize            = 2'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	base := []string{"sweep", "modulo_addition_1layer", "--grid", "seed=1,2,01,3", "-p", "prime=17", "--epochs", "20",
		"--analyzers", "neuron_freq_norm", "--name", "s1"}

	r := run(t, env, append(base, "--executor", "slurm", "--partition", "cpu", "--dry-run")...)
	if r.code != exitOK {
		t.Fatalf("dry run: code %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"sweep s1: 3 variants of modulo_addition_1layer over seed (executor slurm)",
		"1  seed=2  modulo_addition_1layer_p17_seed2_dseed598_frac0.3  new",
		"dropped grid point seed=01: same variant as #0 (seed=1)",
		"would run: sbatch --parsable --job-name=tdw-sweep-s1 --array=0-1 --requeue",
		"--partition=cpu " + filepath.Join(results, ".tdw", "sweeps", "s1", "task.sh") + " 0\n",
		"would run: sbatch --parsable --job-name=tdw-sweep-s1 --array=0 --requeue",
		"task.sh 2\n",
		"'sweep' 'task' 's1' \"$index\"",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(results, ".tdw")); !os.IsNotExist(err) {
		t.Errorf("a dry run recorded something: %v", err)
	}

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--executor", "slurm", "--jobs", "2"}, exitUsage, "--jobs is for --executor local"},
		{[]string{"--partition", "cpu"}, exitUsage, "--partition is for --executor slurm"},
		{[]string{"--executor", "pbs"}, exitUsage, `--executor "pbs": want local or slurm`},
		{[]string{"--grid", "prime"}, exitUsage, `--grid "prime": want NAME=VALUE,VALUE,...`},
		{[]string{"--grid", "modulus=7"}, exitUsage, `--grid modulus: family modulo_addition_1layer has no parameter "modulus"`},
		{[]string{"--grid", "prime=5"}, exitUsage, "--grid prime: also given as -p prime"},
		{[]string{"--set", "neuron_freq_norm.nope=1"}, exitUsage, "--set: analyzer neuron_freq_norm: "},
		{[]string{"--name", "a/b"}, exitUsage, `--name: sweep name "a/b"`},
		{[]string{"--cooldown", "-1s"}, exitUsage, "--cooldown -1s"},
	} {
		r := run(t, env, append(append([]string(nil), base...), c.args...)...)
		if r.code != c.code {
			t.Errorf("%v: code %d, want %d (stderr %q)", c.args, r.code, c.code, r.stderr)
			continue
		}
		oneErrorLine(t, r, c.msg)
	}
	// The family plugin's rule is a runtime refusal, as for train.
	r = run(t, env, "sweep", "modulo_addition_1layer", "--grid", "prime=17,21", "--epochs", "20", "--dry-run")
	if r.code != exitRuntime {
		t.Errorf("prime 21: code %d", r.code)
	}
	oneErrorLine(t, r, "refuses 1 of 2 variants: prime=21: ")

	r = run(t, env, "sweep", "status")
	if r.code != exitOK || !strings.Contains(r.stdout, "no sweeps in "+results) {
		t.Errorf("status without sweeps: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, "sweep", "status", "s1")
	if r.code != exitRuntime {
		t.Errorf("status of an absent sweep: code %d", r.code)
	}
	oneErrorLine(t, r, `no sweep "s1" in `)
}
