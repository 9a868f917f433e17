// Package plugintest builds real plugin binaries for tests that run them as
// the host does, laid out as the analyzers and model_families folders that
// `make` produces.
package plugintest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// RepoRoot returns the repository's root folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// BuildAnalyzers builds the named analyzer plugins of plugins/analyzers, and
// any extra packages (paths relative to the repository root), with one go
// build, so the linker runs in parallel. Each analyzer lands in
// dir/NAME/NAME beside a copy of its analyzer.json; extra binaries land in
// dir/.bin under their package's last path element.
func BuildAnalyzers(dir string, names []string, extra ...string) error {
	root := RepoRoot()
	bin := filepath.Join(dir, ".bin")
	pkgs := append([]string(nil), extra...)
	for _, a := range names {
		pkgs = append(pkgs, "./plugins/analyzers/"+a)
	}
	cmd := exec.Command("go", append([]string{"build", "-o", bin + "/"}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	for _, a := range names {
		if err := os.MkdirAll(filepath.Join(dir, a), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(bin, a), filepath.Join(dir, a, a)); err != nil {
			return err
		}
		js, err := os.ReadFile(filepath.Join(root, "analyzers", a, "analyzer.json"))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, a, "analyzer.json"), js, 0o644); err != nil {
			return err
		}
	}
	return nil
}
