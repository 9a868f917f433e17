package registry

import (
	"fmt"
	"sync"
)

// FamilyRegistry holds the installed model families by name: the discovery
// half of the domain model's FamilyRegistry (variants live in host/variant).
// It is safe for concurrent use.
type FamilyRegistry struct {
	mu sync.RWMutex
	c  catalog[*FamilyManifest]
}

// NewFamilyRegistry returns an empty registry.
func NewFamilyRegistry() *FamilyRegistry {
	return &FamilyRegistry{c: newCatalog[*FamilyManifest]()}
}

// Discover loads dir/*/family.json. A folder whose manifest is missing or
// invalid does not stop the others: it is returned (sorted by folder name)
// and kept for Problems. The error is non-nil only when dir cannot be read.
func (r *FamilyRegistry) Discover(dir string) ([]*DiscoveryError, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c.discover(dir, FamilyFile, LoadFamily, r.add)
}

// Register adds a family manifest. It returns an error if f is nil, its name
// is invalid or already registered.
func (r *FamilyRegistry) Register(f *FamilyManifest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.add(f)
}

func (r *FamilyRegistry) add(f *FamilyManifest) error {
	if f == nil {
		return fmt.Errorf("register family: nil manifest")
	}
	if !ValidName(f.Name) {
		return fmt.Errorf("register family: %q is not a valid name", f.Name)
	}
	if prev, ok := r.c.items[f.Name]; ok {
		return fmt.Errorf("%s: family %q is already registered from %s", f.File, f.Name, prev.File)
	}
	r.c.items[f.Name] = f
	delete(r.c.problems, f.Name)
	return nil
}

// Get returns the named family, or an error saying it is not installed or
// why it failed to load.
func (r *FamilyRegistry) Get(name string) (*FamilyManifest, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if f, ok := r.c.items[name]; ok {
		return f, nil
	}
	if p, ok := r.c.problems[name]; ok {
		return nil, fmt.Errorf("family %q failed to load: %v", name, p.Err)
	}
	return nil, fmt.Errorf("family %q is not installed (installed: %s)", name, orNone(r.c.names()))
}

// List returns the loaded families sorted by name.
func (r *FamilyRegistry) List() []*FamilyManifest {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*FamilyManifest, 0, len(r.c.items))
	for _, n := range r.c.names() {
		out = append(out, r.c.items[n])
	}
	return out
}

// Problems returns every folder that failed to load, sorted by name.
func (r *FamilyRegistry) Problems() []*DiscoveryError {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.c.problemList()
}
