package registry

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// install copies a fixture manifest into root/folder/file beside an
// executable named folder (the command every fixture declares), and
// returns the manifest path.
func install(t *testing.T, root, folder, file, fixture string) string {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return installData(t, root, folder, file, data)
}

func installData(t *testing.T, root, folder, file string, data []byte) string {
	t.Helper()
	dir := filepath.Join(root, folder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, folder), []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkGolden compares got with the golden file, or rewrites it under -update.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
		for i := 0; i < len(wl) || i < len(gl); i++ {
			var w, g string
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if w != g {
				t.Errorf("%s line %d:\n got: %s\nwant: %s", golden, i+1, g, w)
			}
		}
	}
}

// fixtureNames lists the .json fixtures of dir without extension, sorted.
func fixtureNames(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(m))
	for i, p := range m {
		out[i] = strings.TrimSuffix(filepath.Base(p), ".json")
	}
	return out
}

// checkBadManifests loads every fixture DIR/bad/NAME.json, installed as
// file in a folder of its own, with load, and checks the error: a
// *ManifestError that starts with the file, stays on one line, and has a
// problem at want[NAME].path whose message contains want[NAME].msg. Every
// fixture needs a row and every row a fixture; the errors, with the folder
// written $DIR, must match DIR/bad.golden.
func checkBadManifests(t *testing.T, dir, file string, want map[string]struct{ path, msg string }, load func(file string) error) {
	t.Helper()
	root := t.TempDir()
	var golden strings.Builder
	names := fixtureNames(t, filepath.Join(dir, "bad"))
	for _, name := range names {
		w, ok := want[name]
		if !ok {
			t.Errorf("fixture %s has no expectation in the table", name)
			continue
		}
		folder := filepath.Join(root, name)
		path := install(t, folder, "sample", file, filepath.Join(dir, "bad", name+".json"))
		err := load(path)
		var me *ManifestError
		if !errors.As(err, &me) {
			t.Errorf("%s: want *ManifestError, got %v", name, err)
			continue
		}
		if me.File != path || !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("%s: error does not start with the file: %v", name, err)
		}
		found := false
		for _, p := range me.Problems {
			if p.Path == w.path && strings.Contains(p.Msg, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want %s: ...%s..., got %v", name, w.path, w.msg, me.Problems)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error spans lines: %q", name, err)
		}
		golden.WriteString(name + ": " + strings.ReplaceAll(err.Error(), folder, "$DIR") + "\n")
	}
	if len(names) != len(want) {
		t.Errorf("%d fixtures, %d table rows", len(names), len(want))
	}
	checkGolden(t, filepath.Join(dir, "bad.golden"), golden.String())
}
