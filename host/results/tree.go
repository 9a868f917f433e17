package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Tree is a results folder: one folder per family, one per variant below
// it. Create it with Open.
type Tree struct {
	root string // absolute
}

// Open returns the tree in dir. It returns an error if dir is not a folder.
func Open(dir string) (*Tree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("results folder %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("results folder: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("results folder %s is not a folder", abs)
	}
	return &Tree{root: abs}, nil
}

// Root returns the tree's folder, absolute.
func (t *Tree) Root() string { return t.root }

// JobsJournal returns the path of the dashboard's job list, .tdw/jobs.json
// (no family name starts with a dot).
func (t *Tree) JobsJournal() string { return filepath.Join(t.root, ".tdw", "jobs.json") }

// Variants returns the variants of a family, sorted by name, and the
// problems of the folders that could not be read (variant.List). A family
// folder that resolves outside the tree is one such problem.
func (t *Tree) Variants(fam *registry.FamilyManifest) ([]*variant.Variant, []error) {
	if err := within(t.root, filepath.Join(t.root, fam.Name)); err != nil {
		return nil, []error{err}
	}
	return variant.List(t.root, fam)
}

// Variant opens variant name of family. Its folder must resolve inside the
// tree (else an ErrEscape error); a variant that does not exist is an
// ErrNotFound error, one whose metadata.json is unreadable a plain one.
func (t *Tree) Variant(family, name string) (*variant.Variant, error) {
	if _, err := t.MetadataInfo(family, name); err != nil {
		return nil, err
	}
	return variant.Open(t.root, family, name)
}

// MetadataInfo returns the file information of a variant's metadata.json,
// whose size and modification time say whether the variant changed. The
// file must resolve inside the tree (else an ErrEscape error); a missing one
// is an ErrNotFound error: the variant does not exist.
func (t *Tree) MetadataInfo(family, name string) (fs.FileInfo, error) {
	dir := filepath.Join(t.root, family, name)
	if err := within(t.root, dir); err != nil {
		return nil, err
	}
	p := filepath.Join(dir, variant.MetadataFile)
	if err := within(t.root, p); err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("variant %s of family %s does not exist (%v)", name, family, err)
	}
	return fi, err
}
