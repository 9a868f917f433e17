package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/job"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
)

// fixture holds the registries over the real family plugin and one
// analyzer, built once in TestMain for the tests that plan and run tasks.
var fixture struct {
	families  *registry.FamilyRegistry
	analyzers *registry.AnalyzerRegistry
	dir       string
	err       error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tdw-sweep-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixture.dir = dir
	fixture.err = buildFixture(dir)
	code := m.Run()
	pluginhost.CloseAll()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildFixture builds the modulo_addition_1layer plugin and neuron_freq_norm
// into dir, laid out as `make` lays them out, and discovers them.
func buildFixture(dir string) error {
	andir := filepath.Join(dir, "analyzers")
	if err := plugintest.BuildAnalyzers(andir, []string{"neuron_freq_norm"}, "./plugins/families/modulo_addition_1layer"); err != nil {
		return err
	}
	famDir := filepath.Join(dir, "model_families", "modulo_addition_1layer")
	if err := os.MkdirAll(famDir, 0o755); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(andir, ".bin", "modulo_addition_1layer"), filepath.Join(famDir, "modulo_addition_1layer")); err != nil {
		return err
	}
	js, err := os.ReadFile(filepath.Join(plugintest.RepoRoot(), "model_families", "modulo_addition_1layer", "family.json"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(famDir, "family.json"), js, 0o644); err != nil {
		return err
	}
	fixture.families = registry.NewFamilyRegistry()
	if probs, err := fixture.families.Discover(filepath.Join(dir, "model_families")); err != nil || len(probs) > 0 {
		return fmt.Errorf("discover families: %v %v", err, probs)
	}
	fixture.analyzers = registry.NewAnalyzerRegistry()
	if probs, err := fixture.analyzers.Discover(andir); err != nil || len(probs) > 0 {
		return fmt.Errorf("discover analyzers: %v %v", err, probs)
	}
	return nil
}

// testEnv returns a job environment over a fresh results folder.
func testEnv(t *testing.T) job.Env {
	t.Helper()
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return job.Env{Results: t.TempDir(), Families: fixture.families, Analyzers: fixture.analyzers, TDWVersion: "test"}
}

// fakeSlurm puts fake sbatch, squeue, scancel and scontrol on PATH for the
// test. Each appends its command line to the log; sbatch prints job IDs
// from 40 on ("ID;cluster"), scontrol a configuration with MaxArraySize
// maxArray, squeue the text of setQueue (or fails as setQueueError says).
type fakeSlurm struct {
	t   *testing.T
	dir string
}

func newFakeSlurm(t *testing.T, maxArray int) *fakeSlurm {
	t.Helper()
	f := &fakeSlurm{t: t, dir: t.TempDir()}
	scripts := map[string]string{
		"sbatch": `echo "sbatch $*" >> "$D/log"
n=$(cat "$D/next" 2>/dev/null || echo 40); echo $((n + 1)) > "$D/next"; echo "$n;cluster"`,
		"scontrol": `echo "scontrol $*" >> "$D/log"
printf 'Configuration data as of 2024-12-01T10:00:00\nMaxArraySize            = ` + fmt.Sprint(maxArray) + `\nMaxJobCount             = 10000\n'`,
		"squeue": `echo "squeue $*" >> "$D/log"
if [ -f "$D/squeue.err" ]; then cat "$D/squeue.err" >&2; exit 1; fi
cat "$D/squeue.out" 2>/dev/null`,
		"scancel": `echo "scancel $*" >> "$D/log"`,
	}
	for name, body := range scripts {
		script := "#!/bin/sh\nD='" + f.dir + "'\n" + body + "\n"
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", f.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return f
}

// setQueue sets what squeue prints.
func (f *fakeSlurm) setQueue(lines ...string) {
	f.t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, "squeue.out"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// setQueueError makes squeue fail with msg on stderr.
func (f *fakeSlurm) setQueueError(msg string) {
	f.t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, "squeue.err"), []byte(msg+"\n"), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// calls returns the logged command lines of the named command, and clears
// the log.
func (f *fakeSlurm) calls(name string) []string {
	f.t.Helper()
	b, _ := os.ReadFile(filepath.Join(f.dir, "log"))
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(l, name+" ") {
			out = append(out, l)
		}
	}
	return out
}

// resetLog clears the call log.
func (f *fakeSlurm) resetLog() { os.Remove(filepath.Join(f.dir, "log")) }

// testSweep is a recorded Slurm sweep of n variants over a fresh results
// folder; the variants are never created.
func testSweep(t *testing.T, n int) *Sweep {
	t.Helper()
	results := t.TempDir()
	sw := &Sweep{Format: FormatVersion, Name: "grid", Family: "modulo_addition_1layer", Executor: ExecutorSlurm,
		Grid:  []Axis{{Param: "seed"}},
		Paths: Paths{TDWHost: "/opt/tdw/bin/tdw-host", Results: results, Families: "/opt/tdw/model_families", Analyzers: "/opt/tdw/analyzers"},
		Slurm: &SlurmOptions{Parallel: 2, Partition: "cpu", Time: "1:00:00", CPUsPerTask: 2, Mem: "2G", ExtraArgs: []string{"--qos=low"}}}
	for i := 0; i < n; i++ {
		sw.Grid[0].Values = append(sw.Grid[0].Values, fmt.Sprint(i))
		sw.Variants = append(sw.Variants, Variant{Index: i, Name: fmt.Sprintf("modulo_addition_1layer_p17_seed%d_dseed598_frac0.5", i),
			Params: map[string]string{"prime": "17", "seed": fmt.Sprint(i), "data_seed": "598", "train_fraction": "0.5"}})
	}
	if err := sw.Save(); err != nil {
		t.Fatal(err)
	}
	return sw
}
