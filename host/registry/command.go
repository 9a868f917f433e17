package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// checkCommandName checks a command as written: not empty, relative to the
// manifest's folder and inside it.
func checkCommandName(cmd string) error {
	if cmd == "" {
		return errors.New("is empty")
	}
	if filepath.IsAbs(cmd) || !filepath.IsLocal(cmd) {
		return fmt.Errorf("%q escapes the plugin folder (write it relative to the folder, without ..)", cmd)
	}
	return nil
}

// parseCommand reads a manifest's required "command": a string, the plugin
// executable relative to the folder dir, or an array [program, arg...]
// (docs/analyzer-json.md), which runs a script through an interpreter, e.g.
// ["python3", "analyzer.py"]. In an array, a program without a slash is
// looked up on PATH as a shell would; one with a slash is resolved in the
// folder like the string form. It returns the command as written (the
// program, for an array), its absolute path and the arguments that come
// before "args". Problems are recorded under "command". Without resolve
// the command is only checked as written (the plugin need not be built).
func parseCommand(o *object, dir string, resolve bool) (written, path string, args []string) {
	v, _, ok := o.field("command", true)
	if !ok {
		return "", "", nil
	}
	var err error
	switch c := v.(type) {
	case string:
		if !resolve {
			err = checkCommandName(c)
		} else {
			path, err = resolveCommand(dir, c)
		}
		if err != nil {
			o.p.add("command", "%v", err)
		}
		return c, path, nil
	case []any:
		words, ok := asStrings(o.p, "command", c)
		if !ok {
			return "", "", nil
		}
		if len(words) == 0 {
			o.p.add("command", "is empty (want a file in the folder, or [program, arg...])")
			return "", "", nil
		}
		for i, w := range words {
			if w == "" {
				o.p.add(joinIndex("command", i), "is empty")
				return "", "", nil
			}
		}
		switch {
		case !resolve && strings.ContainsRune(words[0], '/'):
			err = checkCommandName(words[0])
		case resolve:
			path, err = resolveProgram(dir, words[0])
		}
		if err != nil {
			o.p.add(joinIndex("command", 0), "%v", err)
		}
		return words[0], path, words[1:]
	}
	o.p.add("command", "want a string or an array of strings, found %s", jsonType(v))
	return "", "", nil
}

// resolveProgram resolves the program of an array command: on PATH when it
// holds no slash, else in the folder (resolveCommand).
func resolveProgram(dir, prog string) (string, error) {
	if strings.ContainsRune(prog, '/') {
		return resolveCommand(dir, prog)
	}
	path, err := exec.LookPath(prog)
	if err != nil {
		return "", fmt.Errorf("%q not found on PATH (install it, or write \"./%s\" for a file in the plugin folder)", prog, prog)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return abs, nil
}

// resolveCommand checks a manifest's command, written relative to the
// manifest's folder dir, and returns its absolute path. The command must stay
// inside dir (also through symbolic links), exist, be a regular file and be
// executable.
func resolveCommand(dir, cmd string) (string, error) {
	if err := checkCommandName(cmd); err != nil {
		return "", err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	full := filepath.Join(absDir, cmd)
	fi, err := os.Lstat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%q not found in %s (not built? run make)", cmd, dir)
	}
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		realDir, err := filepath.EvalSymlinks(absDir)
		if err != nil {
			return "", err
		}
		target, err := filepath.EvalSymlinks(full)
		if err != nil {
			return "", fmt.Errorf("%q is a broken symbolic link", cmd)
		}
		if rel, err := filepath.Rel(realDir, target); err != nil || !filepath.IsLocal(rel) || strings.HasPrefix(rel, "..") {
			return "", fmt.Errorf("%q links outside the plugin folder", cmd)
		}
		if fi, err = os.Stat(target); err != nil {
			return "", err
		}
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%q is not a regular file", cmd)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%q is not executable (chmod +x)", cmd)
	}
	return full, nil
}
