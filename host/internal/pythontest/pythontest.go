// Package pythontest finds the Python that interop tests run: one that
// imports numpy, so that they check tdw's files with the reader researchers
// use.
package pythontest

import (
	"os"
	"os/exec"
	"testing"
)

// Numpy returns the path of a python3 that imports numpy. A pyenv python3
// may shadow Debian's, which is the one python3-numpy installs into, so both
// are tried. Without one the test is skipped, except under CI (CI set),
// where .ci/run installs python3-numpy and a missing numpy is a failure.
func Numpy(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no python3 with numpy, which .ci/run installs (python3-numpy)")
	}
	t.Skip("no python3 with numpy")
	return ""
}
