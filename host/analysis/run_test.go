package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/plugins/families/modulo_addition_1layer/modadd"
	"github.com/tdw-workbench/tdw/sdk"
)

// The analyzers these tests run, as real plugin binaries built once.
var testAnalyzers = []string{"parameter_snapshot", "input_trace", "neuron_freq_norm", "neuron_dynamics", "landscape_flatness", "neuron_fourier", "transient_frequency"}

var (
	pluginDir string // analyzers folder holding the built plugins
	repoRoot  string
	buildErr  error
)

func TestMain(m *testing.M) {
	repoRoot = plugintest.RepoRoot()
	dir, err := os.MkdirTemp("", "tdw-analysis-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pluginDir = dir
	if child := os.Getenv(childPluginsEnv); child != "" {
		pluginDir = child // a child process of TestKill9ThenResume reuses the parent's plugins
	} else {
		buildErr = buildPlugins(dir)
	}
	code := m.Run()
	pluginhost.CloseAll()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildPlugins builds every test analyzer plus the fault plugin in one go
// build, and lays them out as an analyzers folder.
func buildPlugins(dir string) error {
	return plugintest.BuildAnalyzers(dir, testAnalyzers, "./host/pluginhost/testdata/faultplugin")
}

// faultManifest declares the fault plugin in the given mode as a
// per-checkpoint analyzer reading the MLP activations.
func faultManifest(t *testing.T, mode string, extra string) *registry.AnalyzerManifest {
	t.Helper()
	d := filepath.Join(t.TempDir(), mode)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(pluginDir, ".bin", "faultplugin"), filepath.Join(d, "faultplugin")); err != nil {
		t.Fatal(err)
	}
	js := fmt.Sprintf(`{"name": %q, "version": "1.0.0", "description": "fault plugin", "command": "./faultplugin", "args": [%q], %s
	  "kind": "per-checkpoint", "inputs": {"hooks": [{"name": "blocks.0.mlp.hook_post", "positions": "last"}]},
	  "outputs": [{"name": "row_sum", "dtype": "float32", "shape": "(batch,)", "description": "row sums"}]}`, mode, mode, extra)
	if err := os.WriteFile(filepath.Join(d, "analyzer.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := registry.LoadAnalyzer(filepath.Join(d, "analyzer.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func manifests(t *testing.T, names ...string) []*registry.AnalyzerManifest {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	var out []*registry.AnalyzerManifest
	for _, n := range names {
		m, err := registry.LoadAnalyzer(filepath.Join(pluginDir, n, "analyzer.json"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// trainedVariant trains a tiny modular-addition variant (p = 17) with four
// checkpoints and returns it.
func trainedVariant(t *testing.T) *variant.Variant {
	t.Helper()
	v, _ := trainedVariantOf(t)
	return v
}

// trainedVariantOf is trainedVariant, with the family.json it was made from.
func trainedVariantOf(t *testing.T) (*variant.Variant, *registry.FamilyManifest) {
	t.Helper()
	famDir := filepath.Join(t.TempDir(), "modulo_addition_1layer")
	if err := os.MkdirAll(famDir, 0o755); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(repoRoot, "model_families", "modulo_addition_1layer", "family.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(famDir, "family.json"), js, 0o644)
	// The registry insists the plugin command exists; these tests run the
	// family in-process.
	os.WriteFile(filepath.Join(famDir, "modulo_addition_1layer"), []byte("#!/bin/sh\nexit 1\n"), 0o755)
	fam, err := registry.LoadFamily(filepath.Join(famDir, "family.json"))
	if err != nil {
		t.Fatal(err)
	}
	results := t.TempDir()
	params := sdk.Params{"prime": 17, "train_fraction": 0.5, "seed": 1, "data_seed": 2}
	v, err := variant.Create(context.Background(), results, fam, modadd.New(), params, "test")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := variant.ResolveTraining(fam, "", 30, "0:30:10")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Train(context.Background(), variant.TrainOptions{Family: modadd.New(), Training: ts, TDWVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return v, fam
}

// settings is a Config setting one parameter of m, parsed as host/job
// hands settings over.
func settings(t *testing.T, m *registry.AnalyzerManifest, name, value string) Config {
	t.Helper()
	p, err := registry.ParseParams(m.Parameters, map[string]string{name: value})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Settings: map[string]sdk.Params{m.Name: p}}
}

func newRun(v *variant.Variant, cfg Config, ms ...*registry.AnalyzerManifest) *Run {
	r := New(v, modadd.New(), cfg, Options{Launch: PluginLauncher(pluginhost.Options{})})
	for _, m := range ms {
		r.Register(m)
	}
	return r
}

func readAll(t *testing.T, path string) map[string]*sdk.Tensor {
	t.Helper()
	m, err := artifact.ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRunEndToEndAndResume(t *testing.T) {
	v := trainedVariant(t)
	ms := manifests(t, testAnalyzers...)
	r := newRun(v, Config{}, ms...)
	rep, err := r.Execute(context.Background())
	if err != nil {
		t.Fatalf("Execute: %v (report %+v)", err, rep)
	}
	if r.State() != results.Complete {
		t.Errorf("state %s, want COMPLETE", r.State())
	}
	epochs := []int{0, 10, 20, 30}
	for _, name := range []string{"parameter_snapshot", "input_trace", "neuron_freq_norm", "landscape_flatness"} {
		if got := rep.Analyzers[name].Computed; got != len(epochs) {
			t.Errorf("%s computed %d epochs, want %d", name, got, len(epochs))
		}
		for _, e := range epochs {
			if _, err := os.Stat(results.For(v).EpochPath(name, e)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	// The weights reach analyzers unchanged.
	snap := readAll(t, results.For(v).EpochPath("parameter_snapshot", 20))
	ck, err := v.LoadCheckpoint(20)
	if err != nil {
		t.Fatal(err)
	}
	we := ck.Tensors["embed.W_E"]
	if !bytes.Equal(snap["embed.W_E"].Bytes(), we.Bytes()) {
		t.Error("parameter_snapshot's embed.W_E differs from the checkpoint's")
	}
	// Summaries are stacked with their epochs.
	sum := readAll(t, results.For(v).SummaryPath("input_trace"))
	if got := sum["epochs"].Int64s(); fmt.Sprint(got) != fmt.Sprint([]int64{0, 10, 20, 30}) {
		t.Errorf("summary epochs %v", got)
	}
	// Cross-epoch analyzers run on the stacked artifacts.
	cross := readAll(t, results.For(v).CrossPath("neuron_dynamics"))
	if sh := cross["dominant_frequency"].Shape(); len(sh) != 2 || sh[0] != len(epochs) {
		t.Errorf("neuron_dynamics dominant_frequency shape %v, want (%d, n_neurons)", sh, len(epochs))
	}
	// The loader reads what the run wrote.
	st, err := r.LoadArtifact("neuron_freq_norm", "norm_matrix")
	if err != nil {
		t.Fatal(err)
	}
	if sh := st.Arrays["norm_matrix"].Shape(); sh[0] != len(epochs) {
		t.Errorf("stacked norm_matrix shape %v", sh)
	}

	// A rerun computes nothing.
	rep2, err := newRun(v, Config{}, ms...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range rep2.Analyzers {
		if a.Computed != 0 {
			t.Errorf("rerun: %s computed %d, want 0", name, a.Computed)
		}
	}

	// A lost epoch file is recomputed, alone, to the same bytes.
	lost := results.For(v).EpochPath("input_trace", 10)
	before, _ := os.ReadFile(lost)
	os.Remove(lost)
	rep3, err := newRun(v, Config{}, ms...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep3.Analyzers["input_trace"].Computed; got != 1 {
		t.Errorf("after losing one file input_trace computed %d, want 1", got)
	}
	after, _ := os.ReadFile(lost)
	if !bytes.Equal(before, after) {
		t.Error("recomputed artifact differs from the original")
	}

	// Other settings make every artifact stale.
	rep4, err := newRun(v, settings(t, manifests(t, "landscape_flatness")[0], "n_directions", "3"),
		manifests(t, "landscape_flatness")...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep4.Analyzers["landscape_flatness"].Computed; got != len(epochs) {
		t.Errorf("new settings: computed %d, want %d", got, len(epochs))
	}

	// A rerun without --set keeps the settings the artifacts were computed
	// with: nothing is recomputed, and Status calls them done, naming them.
	lf := manifests(t, "landscape_flatness")
	rep5, err := newRun(v, Config{}, lf...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep5.Analyzers["landscape_flatness"].Computed; got != 0 {
		t.Errorf("rerun without settings after --set: computed %d, want 0", got)
	}
	sts, err := Status(v, lf)
	if err != nil {
		t.Fatal(err)
	}
	if st := sts[0]; len(st.Done) != len(epochs) || len(st.Stale) != 0 || fmt.Sprint(st.Settings["n_directions"]) != "3" {
		t.Errorf("status after --set: done %v stale %v settings %v, want every epoch done with n_directions 3", st.Done, st.Stale, st.Settings)
	}
	// Setting the default explicitly goes back to it.
	def := fmt.Sprint(lf[0].Parameters["n_directions"].Default)
	rep6, err := newRun(v, settings(t, lf[0], "n_directions", def), lf...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep6.Analyzers["landscape_flatness"].Computed; got != len(epochs) {
		t.Errorf("back to the default: computed %d, want %d", got, len(epochs))
	}
	if sts, err = Status(v, lf); err != nil || sts[0].Settings != nil {
		t.Errorf("status at defaults: settings %v (err %v), want nil", sts[0].Settings, err)
	}
}

func TestRunFailingAnalyzerDoesNotStopOthers(t *testing.T) {
	v := trainedVariant(t)
	ms := append(manifests(t, "input_trace"), faultManifest(t, "exit", ""), faultManifest(t, "hang", `"timeout": 2,`))
	rep, err := newRun(v, Config{}, ms...).Execute(context.Background())
	if !errors.Is(err, ErrFailures) {
		t.Fatalf("Execute: %v, want ErrFailures", err)
	}
	for _, name := range []string{"exit", "hang"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
		if len(rep.Analyzers[name].Failures) == 0 {
			t.Errorf("%s: no failures recorded", name)
		}
	}
	if got := rep.Analyzers["input_trace"].Computed; got != 4 {
		t.Errorf("input_trace computed %d, want 4", got)
	}
	man, err := results.For(v).Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Analyzers["exit"].Errors) == 0 || len(man.Analyzers["hang"].Errors) == 0 {
		t.Error("manifest does not record the failures")
	}
}

func TestRunRefusesBusyVariant(t *testing.T) {
	v := trainedVariant(t)
	ms := manifests(t, "input_trace")
	t.Run("busy variant", func(t *testing.T) {
		l, err := lockfile.Acquire(filepath.Join(v.Dir(), variant.LockFile), "someone else")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		_, err = newRun(v, Config{}, ms...).Execute(context.Background())
		if !errors.Is(err, lockfile.ErrHeld) {
			t.Fatalf("got %v, want ErrHeld", err)
		}
	})
}

func TestRunCancelledIsTerminated(t *testing.T) {
	v := trainedVariant(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := New(v, modadd.New(), Config{}, Options{Progress: func(p Progress) {
		if p.Done == 1 {
			cancel()
		}
	}})
	r.Register(manifests(t, "input_trace")[0])
	_, err := r.Execute(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if r.State() != results.Terminated {
		t.Errorf("state %s, want TERMINATED", r.State())
	}
	man, err := results.For(v).Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if man.State != results.Terminated || len(man.Analyzers["input_trace"].Epochs) == 0 {
		t.Errorf("manifest state %s with %d epochs, want TERMINATED with the finished epoch kept", man.State, len(man.Analyzers["input_trace"].Epochs))
	}
	// Resuming finishes the rest.
	rep, err := newRun(v, Config{}, manifests(t, "input_trace")...).Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a := rep.Analyzers["input_trace"]; a.Computed+a.UpToDate != 4 || a.UpToDate == 0 {
		t.Errorf("resume: computed %d, up to date %d", a.Computed, a.UpToDate)
	}
}
