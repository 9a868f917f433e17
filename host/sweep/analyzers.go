package sweep

import (
	"fmt"

	"github.com/tdw-workbench/tdw/host/registry"
)

// analyzerSet resolves the analyzers the sweep's variants get: the named
// ones, or the family's default set. With settings it also checks that each
// names an analyzer of the set and parameters it accepts, so that a typo is
// refused before any task runs.
func analyzerSet(ans *registry.AnalyzerRegistry, fam *registry.FamilyManifest, names []string, settings map[string]map[string]string) ([]*registry.AnalyzerManifest, error) {
	if ans == nil {
		return nil, fmt.Errorf("no analyzers are installed")
	}
	var ms []*registry.AnalyzerManifest
	if len(names) == 0 {
		var err error
		if ms, err = ans.ForFamily(fam); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		m, err := ans.Get(n)
		if err != nil {
			return nil, fmt.Errorf("--analyzers: %w", err)
		}
		if !m.AcceptsFamily(fam.Name) {
			return nil, fmt.Errorf("--analyzers: %s does not apply to family %s (its analyzer.json lists %v)", m.Name, fam.Name, m.Families)
		}
		ms = append(ms, m)
	}
	for an, given := range settings {
		var m *registry.AnalyzerManifest
		for _, x := range ms {
			if x.Name == an {
				m = x
			}
		}
		if m == nil {
			return nil, fmt.Errorf("--set: analyzer %q is not in this sweep", an)
		}
		if _, err := registry.ParseParams(m.Parameters, given); err != nil {
			return nil, fmt.Errorf("--set: analyzer %s: %w", an, err)
		}
	}
	return ms, nil
}

// AnalyzerManifests returns the analyzers the sweep's variants get, from
// the installed ones: what their progress is measured against.
func (s *Sweep) AnalyzerManifests(fams *registry.FamilyRegistry, ans *registry.AnalyzerRegistry) ([]*registry.AnalyzerManifest, error) {
	if fams == nil {
		return nil, fmt.Errorf("no families are installed")
	}
	fam, err := fams.Get(s.Family)
	if err != nil {
		return nil, err
	}
	return analyzerSet(ans, fam, s.Analyzers, nil)
}
