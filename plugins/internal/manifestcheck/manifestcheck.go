// Package manifestcheck lets an analyzer's tests hold its results to its
// analyzer.json as the host reads it: the manifest is validated by
// host/registry (its command aside: the plugin need not be built), and every
// returned array must be declared (by exact name or pattern, matched as the
// host matches), with a declared dtype and as many axes as the declared shape
// in words. It is test support: the plugins themselves depend on sdk only.
package manifestcheck

import (
	"fmt"
	"maps"
	"slices"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// Manifest is an analyzer.json as host/registry validates it. CheckInfo
// compares a plugin's self-description with it.
type Manifest struct {
	*registry.AnalyzerManifest
}

// Load reads and validates the analyzer.json at path.
func Load(path string) (*Manifest, error) {
	m, err := registry.LoadAnalyzerUnbuilt(path)
	if err != nil {
		return nil, err
	}
	return &Manifest{m}, nil
}

// Defaults returns the declared parameter defaults as sdk.Params, with
// numbers as float64, as a JSON decoder gives them (so a plugin's tests
// exercise its reading of JSON numbers).
func (m *Manifest) Defaults() sdk.Params {
	p := m.Parameters.Defaults()
	for name, v := range p {
		if i, ok := v.(int64); ok {
			p[name] = float64(i)
		}
	}
	return p
}

// CheckArrays returns an error naming the first array (in name order) that
// is undeclared or differs from its declaration, among outputs (or summary
// when summary is set). A name matches its declaration as in the host
// (registry.AnalyzerManifest.Output): an exact name first, then the first
// pattern.
func (m *Manifest) CheckArrays(arrays map[string]*sdk.Tensor, summary bool) error {
	for _, name := range slices.Sorted(maps.Keys(arrays)) {
		t := arrays[name]
		spec, ok := m.Output(name, summary)
		if !ok {
			return fmt.Errorf("array %s is not declared", name)
		}
		if !spec.AcceptsDType(t.DType()) {
			return fmt.Errorf("array %s is %s, declared %s as %s", name, t.DType(), spec.Name, spec.DTypeString())
		}
		if r := spec.Rank(); r != t.Rank() {
			return fmt.Errorf("array %s has shape %s, declared %s with %d axes %s", name, t.ShapeString(), spec.Name, r, spec.Shape)
		}
	}
	return nil
}
