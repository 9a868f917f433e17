package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tdw-workbench/tdw/host/pluginhost"
)

var update = flag.Bool("update", false, "rewrite golden files")

// selfPlugin is the test plugin binary (testdata/selfplugin), built once.
var selfPlugin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "tdw-host-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	selfPlugin = filepath.Join(dir, "selfplugin")
	build := exec.Command("go", "build", "-o", selfPlugin, "./testdata/selfplugin")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build test plugin:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	pluginhost.CloseAll()
	os.RemoveAll(dir)
	// Plugins built once by the tests that needed them.
	if analyzersBin != "" {
		os.RemoveAll(analyzersBin)
	}
	if modaddBin != "" {
		os.RemoveAll(filepath.Dir(modaddBin))
	}
	if hostBin != "" {
		os.RemoveAll(filepath.Dir(hostBin))
	}
	os.Exit(code)
}

var (
	hostOnce sync.Once
	hostBin  string
	hostErr  error
)

// hostBinary returns tdw-host built with go build, once per test binary,
// for the tests that run it as a user would. It skips under -short.
func hostBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a binary")
	}
	hostOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tdw-host-bin-")
		if err != nil {
			hostErr = err
			return
		}
		hostBin = filepath.Join(dir, "tdw-host")
		if out, err := exec.Command("go", "build", "-o", hostBin, ".").CombinedOutput(); err != nil {
			hostErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if hostErr != nil {
		t.Fatalf("build: %v", hostErr)
	}
	return hostBin
}

// result is one in-process run of tdw-host.
type result struct {
	code           int
	stdout, stderr string
}

// run executes tdw-host in-process with args and an environment holding only
// env.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return result{code, out.String(), errb.String()}
}

// workspace copies testdata's analyzers and model_families into a temp dir and
// installs the test plugin under each command name except "unbuilt", as make
// would. It returns the temp dir.
func workspace(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, kind := range []string{"analyzers", "model_families"} {
		entries, err := os.ReadDir(filepath.Join("testdata", kind))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			dst := filepath.Join(root, kind, e.Name())
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			manifest := "analyzer.json"
			if kind == "model_families" {
				manifest = "family.json"
			}
			copyFile(t, filepath.Join("testdata", kind, e.Name(), manifest), filepath.Join(dst, manifest), 0o644)
			if e.Name() != "unbuilt" && e.Name() != "broken" {
				copyFile(t, selfPlugin, filepath.Join(dst, e.Name()), 0o755)
			}
		}
	}
	return root
}

// copyFile copies src to dst. Executables are hard-linked where possible
// (they are never written to); manifests are copied, since tests edit them.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	if mode&0o111 != 0 {
		if err := os.Link(src, dst); err == nil {
			return
		}
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkGolden compares got with testdata/golden/name, or rewrites it under
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// oneErrorLine checks stderr is exactly one "tdw-host: ..." line holding want.
func oneErrorLine(t *testing.T, r result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "tdw-host: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want one line with %q", r.stderr, want)
	}
}
