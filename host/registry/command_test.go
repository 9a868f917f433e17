package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestArrayCommand: "command" as [program, arg...] runs a script through an
// interpreter found on PATH, or a program in the folder; the words after
// the program come before "args".
func TestArrayCommand(t *testing.T) {
	bin := t.TempDir()
	interp := filepath.Join(bin, "tdwtest-python")
	if err := os.WriteFile(interp, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	good, err := os.ReadFile("testdata/analyzer/good/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	withCommand := func(cmd string) []byte {
		s := string(good)
		i := strings.Index(s, `"command"`)
		j := i + strings.Index(s[i:], ",")
		return []byte(s[:i] + `"command": ` + cmd + `, "args": ["--x"]` + s[j:])
	}
	for _, tc := range []struct {
		name, cmd string
		path      string // "" = the interpreter; else relative to the folder
		args      string
		err       string
	}{
		{"interpreter on PATH", `["tdwtest-python", "analyzer.py", "-u"]`, "", "analyzer.py -u --x", ""},
		{"program in the folder", `["./sample", "a"]`, "sample", "a --x", ""},
		{"one word", `["tdwtest-python"]`, "", "--x", ""},
		{"not on PATH", `["tdwtest-no-such-python", "a.py"]`, "", "", `command[0]: "tdwtest-no-such-python" not found on PATH`},
		{"escapes", `["../sample"]`, "", "", `command[0]: "../sample" escapes the plugin folder`},
		{"empty", `[]`, "", "", "command: is empty"},
		{"empty word", `["tdwtest-python", ""]`, "", "", "command[1]: is empty"},
		{"not strings", `["tdwtest-python", 3]`, "", "", "command[1]: want a string"},
		{"number", `3`, "", "", "command: want a string or an array of strings, found number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := installData(t, t.TempDir(), "sample", AnalyzerFile, withCommand(tc.cmd))
			m, err := LoadAnalyzer(file)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), file) {
					t.Fatalf("err = %v, want one naming %s and containing %q", err, file, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := interp
			if tc.path != "" {
				want = filepath.Join(filepath.Dir(file), tc.path)
			}
			if m.CommandPath != want || strings.Join(m.Args, " ") != tc.args {
				t.Errorf("command %q %q, want %q %q", m.CommandPath, m.Args, want, tc.args)
			}
		})
	}
}
