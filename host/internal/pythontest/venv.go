package pythontest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// venvModules are what the tdw package needs at run time, and what building
// a venv and installing a local package without PyPI needs.
var venvModules = "import numpy, grpc, google.protobuf, venv, ensurepip, setuptools"

// Venv installs the repository's Python package (repo/python) into a fresh
// virtual environment in a temporary folder and returns the venv's bin
// folder, whose python3 imports tdw. The venv sees the system's
// site-packages (Debian's python3-numpy, python3-grpcio, python3-protobuf:
// no package index is needed) and the package is installed from a copy, so
// the build leaves nothing in the repository. Without a python3 that has
// those modules the test is skipped, except under CI, where .ci/run
// installs them.
func Venv(t testing.TB, repo string) string {
	t.Helper()
	py := ""
	for _, name := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(name); err == nil && exec.Command(p, "-c", venvModules).Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no python3 with numpy, grpc, protobuf and venv, which .ci/run installs")
		}
		t.Skip("no python3 with numpy, grpc, protobuf and venv")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if out, err := exec.Command("cp", "-r", filepath.Join(repo, "python"), src).CombinedOutput(); err != nil {
		t.Fatalf("copy python/: %v\n%s", err, out)
	}
	venv := filepath.Join(dir, "venv")
	if out, err := exec.Command(py, "-m", "venv", "--system-site-packages", venv).CombinedOutput(); err != nil {
		t.Fatalf("%s -m venv: %v\n%s", py, err, out)
	}
	bin := filepath.Join(venv, "bin")
	pip := exec.Command(filepath.Join(bin, "python3"), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
		"--no-index", "--disable-pip-version-check", "--quiet", src)
	if out, err := pip.CombinedOutput(); err != nil {
		t.Fatalf("pip install ./python: %v\n%s", err, out)
	}
	return bin
}
