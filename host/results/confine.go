package results

import (
	"path/filepath"
)

// within returns nil if p stays under root once symbolic links are
// resolved, and an ErrEscape error naming p otherwise. The part of p that
// does not exist yet is judged as written, below its longest existing
// prefix resolved: a link higher up still counts. root itself counts as
// within.
func within(root, p string) error {
	if !inside(root, filepath.Clean(p)) {
		return escape(p)
	}
	rr, err := filepath.EvalSymlinks(root)
	if err != nil {
		// No root on disk: nothing under it exists, the lexical check holds.
		return nil
	}
	if !inside(rr, resolve(p)) {
		return escape(p)
	}
	return nil
}

func escape(p string) error {
	return &treeError{kinds: []error{ErrEscape}, msg: p + " escapes the results folder (a symbolic link out of it?)"}
}

// inside reports whether p is root or lies under it, both clean.
func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// resolve returns p with the symbolic links of its longest existing prefix
// resolved and the rest appended as written.
func resolve(p string) string {
	rest := ""
	for q := filepath.Clean(p); ; {
		if r, err := filepath.EvalSymlinks(q); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(q)
		if parent == q {
			return p
		}
		rest = filepath.Join(filepath.Base(q), rest)
		q = parent
	}
}
