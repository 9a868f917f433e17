package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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
