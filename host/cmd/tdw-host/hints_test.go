package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestHintsNameTheInvocation: the commands hints suggest are written as the
// user ran tdw-host ("./bin/tdw-host" after make), so they can be pasted.
func TestHintsNameTheInvocation(t *testing.T) {
	defer func(old string) { invokedAs = old }(invokedAs)
	invokedAs = "./bin/tdw-host"
	ws := workspace(t)
	env := map[string]string{"TDW_ANALYZERS": filepath.Join(ws, "analyzers"), "TDW_FAMILIES": filepath.Join(ws, "model_families"),
		"TDW_RESULTS": filepath.Join(ws, "results")}
	r := run(t, env, "export", "no_such_variant", "loss")
	if r.code != exitUsage {
		t.Errorf("code %d, want %d", r.code, exitUsage)
	}
	for _, want := range []string{"see './bin/tdw-host variants FAMILY'", "(see './bin/tdw-host export --help')"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q lacks %q", r.stderr, want)
		}
	}
	r = run(t, env, "families", "toy")
	if !strings.Contains(r.stdout, "(./bin/tdw-host train -p NAME=VALUE)") {
		t.Errorf("families toy does not name the invocation:\n%s", r.stdout)
	}
}
