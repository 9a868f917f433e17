package job

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/tdw-workbench/tdw/host/internal/plugintest"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
)

// testAnalyzers are the real analyzer plugins the tests run.
var testAnalyzers = []string{"neuron_freq_norm"}

// fixture holds the registries over real plugins, built once in TestMain.
var fixture struct {
	families  *registry.FamilyRegistry
	analyzers *registry.AnalyzerRegistry
	err       error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tdw-job-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixture.err = buildFixture(dir)
	before := goleak.IgnoreCurrent() // goroutines of the test binary itself
	code := m.Run()
	pluginhost.CloseAll()
	if code == 0 {
		if err := goleak.Find(before); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildFixture builds the modulo_addition_1layer family plugin and the test
// analyzers into dir, laid out as `make` lays them out, and discovers them.
func buildFixture(dir string) error {
	andir := filepath.Join(dir, "analyzers")
	if err := plugintest.BuildAnalyzers(andir, testAnalyzers, "./plugins/families/modulo_addition_1layer"); err != nil {
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

// testEnv returns an environment over a fresh results folder.
func testEnv(t *testing.T) Env {
	t.Helper()
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return Env{Results: t.TempDir(), Families: fixture.families, Analyzers: fixture.analyzers, TDWVersion: "test"}
}

// tiny is a p=17 training request of the given length, checkpoints every
// tenth of it; seed tells variants apart.
func tiny(seed, epochs int) TrainRequest {
	return TrainRequest{Family: "modulo_addition_1layer",
		Params:      map[string]string{"prime": "17", "train_fraction": "0.5", "seed": fmt.Sprint(seed)},
		Epochs:      epochs,
		Checkpoints: fmt.Sprintf("0:%d:%d", epochs, max(epochs/10, 1)),
	}
}
