package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tdw-workbench/tdw/internal/rpc"
)

// TestHelpEverywhere asks every command, including those added later, for
// its help: each must document itself and exit 0.
func TestHelpEverywhere(t *testing.T) {
	a := &app{}
	root := newRoot(a)
	var walk func(c *cobra.Command)
	var paths [][]string
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.Short == "" || c.Long == "" {
			t.Errorf("%q lacks a Short or Long description", c.CommandPath())
		}
		paths = append(paths, strings.Fields(c.CommandPath())[1:])
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, name := range []string{"analyzers", "families", "version"} {
		if _, _, err := root.Find([]string{name}); err != nil {
			t.Errorf("command %s missing: %v", name, err)
		}
	}
	for _, p := range paths {
		r := run(t, nil, append(p, "--help")...)
		if r.code != exitOK || !strings.Contains(r.stdout, "Usage:") || r.stderr != "" {
			t.Errorf("%v --help: code %d, stderr %q", p, r.code, r.stderr)
		}
		for _, g := range []string{"--results", "--families", "--analyzers", "--log-level"} {
			if !strings.Contains(r.stdout, g) {
				t.Errorf("%v --help does not show %s", p, g)
			}
		}
	}
}

func TestExitCodes(t *testing.T) {
	ws := workspace(t)
	env := map[string]string{"TDW_ANALYZERS": filepath.Join(ws, "analyzers"), "TDW_FAMILIES": filepath.Join(ws, "model_families")}
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"version"}, exitOK, ""},
		{[]string{}, exitOK, ""},
		{[]string{"nope"}, exitUsage, `unknown command "nope" for "tdw-host" (see 'tdw-host --help')`},
		{[]string{"--bogus", "version"}, exitUsage, "unknown flag: --bogus"},
		{[]string{"analyzers", "--check=maybe"}, exitUsage, `invalid argument "maybe"`},
		{[]string{"version", "extra"}, exitUsage, `unknown command "extra" for "tdw-host version"`},
		{[]string{"families", "a", "b"}, exitUsage, "accepts at most 1 arg(s), received 2"},
		{[]string{"--log-level", "loud", "version"}, exitUsage, `--log-level: "loud" is not one of`},
		{[]string{"--analyzers", "", "analyzers"}, exitUsage, "--analyzers: empty folder"},
		{[]string{"--analyzers", filepath.Join(ws, "absent"), "analyzers"}, exitRuntime, "absent does not exist"},
		{[]string{"analyzers"}, exitRuntime, "2 of 4 analyzers"},
		{[]string{"train", "toy", "--epochs", "0"}, exitUsage, `invalid argument "0" for "--epochs" flag: 0: want a positive number`},
		{[]string{"run", "--epochs", "0"}, exitUsage, `invalid argument "0" for "--epochs" flag`},
		{[]string{"train", "toy", "--extend-to", "-5"}, exitUsage, `invalid argument "-5" for "--extend-to" flag`},
		{[]string{"families", "ghost"}, exitRuntime, `family "ghost" is not installed (installed: toy, toy_missing)`},
	}
	for _, c := range cases {
		r := run(t, env, c.args...)
		if r.code != c.code {
			t.Errorf("%v: code %d, want %d (stderr %q)", c.args, r.code, c.code, r.stderr)
		}
		if c.msg == "" {
			if r.stderr != "" {
				t.Errorf("%v: stderr %q", c.args, r.stderr)
			}
			continue
		}
		oneErrorLine(t, r, c.msg)
	}
}

// TestFolderPrecedence checks flag > environment > default for each folder.
func TestFolderPrecedence(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "./analyzers"},
		{nil, map[string]string{"TDW_ANALYZERS": "/env/an"}, "/env/an"},
		{[]string{"--analyzers", "/flag/an"}, map[string]string{"TDW_ANALYZERS": "/env/an"}, "/flag/an"},
		{[]string{"--analyzers=/flag/an"}, nil, "/flag/an"},
		{[]string{"--analyzers-dir", "/alias/an"}, map[string]string{"TDW_ANALYZERS": "/env/an"}, "/alias/an"},
		{[]string{"--analyzers-dir", "/alias/an", "--analyzers", "/flag/an"}, nil, "/alias/an"},
	}
	for _, c := range cases {
		a := &app{stdout: new(strings.Builder), stderr: new(strings.Builder), env: func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }}
		root := newRoot(a)
		root.SetArgs(append(c.args, "version"))
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if a.cfg.AnalyzersDir != c.want || a.cfg.ResultsDir != "./results" || a.cfg.FamiliesDir != "./model_families" {
			t.Errorf("%v %v: config %+v, want analyzers %s", c.args, c.env, a.cfg, c.want)
		}
	}
	env := map[string]string{"TDW_RESULTS": "/r", "TDW_FAMILIES": "/f", "TDW_LOG_LEVEL": "DEBUG"}
	a := &app{stdout: new(strings.Builder), stderr: new(strings.Builder), env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	root := newRoot(a)
	root.SetArgs([]string{"--results", "/flag/r", "version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if a.cfg.ResultsDir != "/flag/r" || a.cfg.FamiliesDir != "/f" || a.cfg.LogLevel != "debug" {
		t.Errorf("config %+v", a.cfg)
	}
}

func TestVersion(t *testing.T) {
	r := run(t, nil, "version")
	for _, want := range []string{"tdw ", fmt.Sprintf("protocol  %d\n", rpc.ProtocolVersion), runtime.Version(), "blas "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version output %q lacks %q", r.stdout, want)
		}
	}
}

func TestAnalyzersTable(t *testing.T) {
	ws := workspace(t)
	env := map[string]string{"TDW_ANALYZERS": filepath.Join(ws, "analyzers")}
	r := run(t, env, "analyzers")
	if r.code != exitRuntime {
		t.Errorf("code %d", r.code)
	}
	oneErrorLine(t, r, "2 of 4 analyzers in "+filepath.Join(ws, "analyzers")+" are not ok")
	checkGolden(t, "analyzers.txt", strings.ReplaceAll(r.stdout, ws, "$WS"))

	r = run(t, env, "analyzers", "--check")
	oneErrorLine(t, r, "3 of 4 analyzers")
	if !strings.Contains(r.stdout, `plugin "liar"`) || !strings.Contains(r.stdout, `version "2.0.0"`) {
		t.Errorf("--check did not catch the lying plugin:\n%s", r.stdout)
	}
	checkGolden(t, "analyzers_check.txt", strings.ReplaceAll(r.stdout, ws, "$WS"))

	r = run(t, env, "analyzers", "rowsum")
	if r.code != exitOK || r.stderr != "" {
		t.Errorf("analyzers rowsum: code %d stderr %q", r.code, r.stderr)
	}
	checkGolden(t, "analyzers_rowsum.txt", strings.ReplaceAll(r.stdout, ws, "$WS"))
	r = run(t, env, "analyzers", "broken")
	if r.code != exitRuntime {
		t.Errorf("analyzers broken: code %d", r.code)
	}
	oneErrorLine(t, r, `analyzer "broken" failed to load: `+filepath.Join(ws, "analyzers", "broken", "analyzer.json")+": line 4, column 3")

	// Only good analyzers: exit 0, nothing on stderr.
	good := t.TempDir()
	if err := os.Rename(filepath.Join(ws, "analyzers", "rowsum"), filepath.Join(good, "rowsum")); err != nil {
		t.Fatal(err)
	}
	r = run(t, map[string]string{"TDW_ANALYZERS": good}, "analyzers", "--check")
	if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "CHECKED") ||
		!strings.Contains(r.stdout, "launched, handshake ok, reports rowsum 1.0.0 per-checkpoint  ok") {
		t.Errorf("good analyzers: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestFamilies(t *testing.T) {
	ws := workspace(t)
	env := map[string]string{"TDW_ANALYZERS": filepath.Join(ws, "analyzers"), "TDW_FAMILIES": filepath.Join(ws, "model_families")}
	r := run(t, env, "families", "--check")
	oneErrorLine(t, r, "1 of 2 families")
	checkGolden(t, "families.txt", strings.ReplaceAll(r.stdout, ws, "$WS"))

	r = run(t, env, "families", "toy")
	if r.code != exitOK || r.stderr != "" {
		t.Errorf("families toy: code %d stderr %q", r.code, r.stderr)
	}
	checkGolden(t, "families_toy.txt", strings.ReplaceAll(r.stdout, ws, "$WS"))

	// A family plugin that describes itself differently fails --check.
	fam := filepath.Join(ws, "model_families", "toy", "family.json")
	data, err := os.ReadFile(fam)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fam, []byte(strings.Replace(string(data), `"version": "0.1.0"`, `"version": "0.2.0"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "families", "--check")
	if !strings.Contains(r.stdout, `"0.1.0"`) || !strings.Contains(r.stdout, "toy ") {
		t.Errorf("--check missed the version mismatch:\n%s", r.stdout)
	}

	// So does one whose model disagrees with family.json's architecture.
	if err := os.WriteFile(fam, []byte(strings.Replace(string(data), `"d_mlp": 16`, `"d_mlp": 32`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "families", "--check")
	if !strings.Contains(r.stdout, "at default parameters: model config disagrees with family.json architecture: d_mlp is 16, family.json says 32") {
		t.Errorf("--check missed the architecture mismatch:\n%s", r.stdout)
	}

	// And one whose family.json declares a probe its plugin has no generator for.
	probes := `"probes": {"grid": {"description": "all pairs", "generator": "grid"}}, "default_probe": "grid", "version": "0.1.0"`
	if err := os.WriteFile(fam, []byte(strings.Replace(string(data), `"version": "0.1.0"`, probes, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "families", "--check")
	if !strings.Contains(r.stdout, `probes.grid names generator "grid", which plugin`) || !strings.Contains(r.stdout, "does not list (it lists: -)") {
		t.Errorf("--check missed the probe generator:\n%s", r.stdout)
	}
}

// TestBinarySmoke builds tdw-host and runs it as a user would.
func TestBinarySmoke(t *testing.T) {
	bin := hostBinary(t)
	ws := workspace(t)
	cmd := exec.Command(bin, "analyzers")
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "TDW_ANALYZERS=", "TDW_FAMILIES=")
	out, err := cmd.Output()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitRuntime {
		t.Fatalf("analyzers: %v", err)
	}
	if !regexp.MustCompile(`(?m)^rowsum +1\.0\.0 +per-checkpoint +ok$`).Match(out) {
		t.Errorf("stdout %q", out)
	}
	if lines := strings.Split(strings.TrimSpace(string(ee.Stderr)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "tdw-host: 2 of 4 analyzers in ./analyzers") {
		t.Errorf("stderr %q", ee.Stderr)
	}
	cmd = exec.Command(bin, "version")
	out, err = cmd.Output()
	if err != nil || !strings.Contains(string(out), "protocol") {
		t.Errorf("version: %v %q", err, out)
	}
	cmd = exec.Command(bin, "--nope")
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage {
		t.Errorf("--nope: %v", err)
	}
}
