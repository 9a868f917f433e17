package registry

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tdw-workbench/tdw/sdk"
)

// AnalyzerRegistry holds the installed analyzers by name. It is safe for
// concurrent use.
type AnalyzerRegistry struct {
	mu sync.RWMutex
	c  catalog[*AnalyzerManifest]
}

// NewAnalyzerRegistry returns an empty registry.
func NewAnalyzerRegistry() *AnalyzerRegistry {
	return &AnalyzerRegistry{c: newCatalog[*AnalyzerManifest]()}
}

// Discover loads dir/*/analyzer.json. A folder whose manifest is missing or
// invalid, or whose analyzer depends on an artifact no installed analyzer
// provides, does not stop the others: it is returned (sorted by folder name)
// and kept for Problems. The error is non-nil only when dir cannot be read.
func (r *AnalyzerRegistry) Discover(dir string) ([]*DiscoveryError, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var loaded []*AnalyzerManifest
	probs, err := r.c.discover(dir, AnalyzerFile, LoadAnalyzer, func(m *AnalyzerManifest) error {
		if err := r.add(m); err != nil {
			return err
		}
		loaded = append(loaded, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Dependencies are checked once every folder is in, so order of folders
	// does not matter; then cycles, among what is left.
	for _, m := range loaded {
		if err := r.checkDeps(m); err != nil {
			delete(r.c.items, m.Name)
			p := &DiscoveryError{Name: m.Name, File: m.File, Err: err}
			r.c.problems[m.Name] = p
			probs = append(probs, p)
		}
	}
	cycles := map[*AnalyzerManifest][]string{}
	for _, m := range loaded {
		if _, ok := r.c.items[m.Name]; ok {
			if cycle := dependencyCycle(r.c.items, m.Name); cycle != nil {
				cycles[m] = cycle
			}
		}
	}
	for m, cycle := range cycles {
		delete(r.c.items, m.Name)
		p := &DiscoveryError{Name: m.Name, File: m.File,
			Err: fmt.Errorf("%s: inputs.artifacts: analyzers read each other's artifacts in a cycle: %s", m.File, strings.Join(cycle, " -> "))}
		r.c.problems[m.Name] = p
		probs = append(probs, p)
	}
	sortProblems(probs)
	return probs, nil
}

// Register adds an analyzer manifest (for example one built in a test). It
// returns an error if m is nil, its name is invalid or already registered.
func (r *AnalyzerRegistry) Register(m *AnalyzerManifest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.add(m)
}

func (r *AnalyzerRegistry) add(m *AnalyzerManifest) error {
	if m == nil {
		return fmt.Errorf("register analyzer: nil manifest")
	}
	if !ValidName(m.Name) {
		return fmt.Errorf("register analyzer: %q is not a valid name", m.Name)
	}
	if prev, ok := r.c.items[m.Name]; ok {
		return fmt.Errorf("%s: analyzer %q is already registered from %s", m.File, m.Name, prev.File)
	}
	r.c.items[m.Name] = m
	delete(r.c.problems, m.Name)
	return nil
}

// checkDeps returns an error naming each artifact m reads that no installed
// per-checkpoint analyzer provides.
func (r *AnalyzerRegistry) checkDeps(m *AnalyzerManifest) error {
	var bad []string
	for i, ref := range m.Inputs.Artifacts {
		path := fmt.Sprintf("inputs.artifacts[%d]", i)
		dep, ok := r.c.items[ref.Analyzer]
		switch {
		case !ok && r.c.problems[ref.Analyzer] != nil:
			bad = append(bad, fmt.Sprintf("%s: analyzer %q failed to load", path, ref.Analyzer))
		case !ok:
			bad = append(bad, fmt.Sprintf("%s: analyzer %q is not installed", path, ref.Analyzer))
		case ref.Cross && dep.Kind != sdk.CrossEpoch:
			bad = append(bad, fmt.Sprintf("%s: analyzer %q is %s; only a cross-epoch analyzer has cross_epoch arrays", path, ref.Analyzer, dep.Kind))
		case !ref.Cross && dep.Kind == sdk.CrossEpoch:
			bad = append(bad, fmt.Sprintf("%s: analyzer %q is cross-epoch; read its arrays as %q", path, ref.Analyzer, ref.Analyzer+"/cross_epoch"))
		case ref.Summary && len(dep.Summary) == 0:
			bad = append(bad, fmt.Sprintf("%s: analyzer %q declares no summary", path, ref.Analyzer))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s: %s", m.File, strings.Join(bad, "; "))
	}
	return nil
}

// Get returns the named analyzer, or an error saying it is not installed or
// why it failed to load.
func (r *AnalyzerRegistry) Get(name string) (*AnalyzerManifest, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.get(name)
}

func (r *AnalyzerRegistry) get(name string) (*AnalyzerManifest, error) {
	if m, ok := r.c.items[name]; ok {
		return m, nil
	}
	if p, ok := r.c.problems[name]; ok {
		return nil, fmt.Errorf("analyzer %q failed to load: %v", name, p.Err)
	}
	return nil, fmt.Errorf("analyzer %q is not installed (installed: %s)", name, orNone(r.c.names()))
}

// List returns the loaded analyzers sorted by name.
func (r *AnalyzerRegistry) List() []*AnalyzerManifest {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*AnalyzerManifest, 0, len(r.c.items))
	for _, n := range r.c.names() {
		out = append(out, r.c.items[n])
	}
	return out
}

// Problems returns every folder that failed to load, sorted by name.
func (r *AnalyzerRegistry) Problems() []*DiscoveryError {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.c.problemList()
}

// ForFamily resolves the family's default analyzer set, in the order
// family.json lists it. It returns an error naming the family's file and
// every listed analyzer that is not installed, failed to load, or does not
// apply to the family.
func (r *AnalyzerRegistry) ForFamily(f *FamilyManifest) ([]*AnalyzerManifest, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*AnalyzerManifest
	var bad []string
	for i, name := range f.Analyzers {
		m, err := r.get(name)
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("analyzers[%d]: %v", i, err))
		case !m.AcceptsFamily(f.Name):
			bad = append(bad, fmt.Sprintf("analyzers[%d]: analyzer %q applies only to families %s", i, name, strings.Join(m.Families, ", ")))
		default:
			out = append(out, m)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: %s", f.File, strings.Join(bad, "; "))
	}
	return out, nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func sortProblems(p []*DiscoveryError) {
	sort.Slice(p, func(i, j int) bool { return p[i].Name < p[j].Name })
}

// dependencyCycle returns the chain of analyzers from name back to name
// through the artifacts they read, or nil when name is in no cycle.
func dependencyCycle(items map[string]*AnalyzerManifest, name string) []string {
	seen := map[string]bool{}
	var walk func(cur string, path []string) []string
	walk = func(cur string, path []string) []string {
		m, ok := items[cur]
		if !ok {
			return nil
		}
		for _, ref := range m.Inputs.Artifacts {
			next := append(append([]string(nil), path...), ref.Analyzer)
			if ref.Analyzer == name {
				return next
			}
			if seen[ref.Analyzer] {
				continue
			}
			seen[ref.Analyzer] = true
			if c := walk(ref.Analyzer, next); c != nil {
				return c
			}
		}
		return nil
	}
	return walk(name, []string{name})
}
