package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DiscoveryError is one plugin folder that discovery could not load; the
// others load regardless.
type DiscoveryError struct {
	// Name is the folder name, which is the plugin's name when it loads.
	Name string
	// File is the manifest path.
	File string
	Err  error
}

// Error returns the underlying error, which names the file.
func (e *DiscoveryError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *DiscoveryError) Unwrap() error { return e.Err }

// scanDir lists the plugin folders of dir, sorted by folder name. Hidden entries and plain files
// are skipped. It fails only when dir itself cannot be read.
func scanDir(dir string) (folders []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("plugin folder %s does not exist", dir)
		}
		return nil, fmt.Errorf("plugin folder %s: %w", dir, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			// A linked plugin folder is fine; its command is still checked
			// against the folder as linked.
			if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
				isDir = fi.IsDir()
			}
		}
		if isDir {
			folders = append(folders, e.Name())
		}
	}
	sort.Strings(folders)
	return folders, nil
}

// catalog holds loaded manifests and the folders that failed, by name.
type catalog[T any] struct {
	items    map[string]T
	problems map[string]*DiscoveryError
}

func newCatalog[T any]() catalog[T] {
	return catalog[T]{items: map[string]T{}, problems: map[string]*DiscoveryError{}}
}

// discover loads every manifest called file under dir with load, keeping
// failures as problems. It returns this call's problems, sorted.
func (c *catalog[T]) discover(dir, file string, load func(string) (T, error), add func(T) error) ([]*DiscoveryError, error) {
	folders, err := scanDir(dir)
	if err != nil {
		return nil, err
	}
	var probs []*DiscoveryError
	for _, name := range folders {
		path := filepath.Join(dir, name, file)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			probs = append(probs, &DiscoveryError{Name: name, File: path, Err: fmt.Errorf("%s: no %s in the folder", path, file)})
			continue
		}
		m, err := load(path)
		if err == nil {
			err = add(m)
		}
		if err != nil {
			probs = append(probs, &DiscoveryError{Name: name, File: path, Err: err})
		}
	}
	for _, p := range probs {
		c.problems[p.Name] = p
	}
	return probs, nil
}

func (c *catalog[T]) problemList() []*DiscoveryError {
	out := make([]*DiscoveryError, 0, len(c.problems))
	for _, p := range c.problems {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (c *catalog[T]) names() []string {
	out := make([]string, 0, len(c.items))
	for k := range c.items {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
