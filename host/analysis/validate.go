package analysis

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// checkArrays holds a group of returned tensors to their specs by name and
// dtype: each is declared, with a declared dtype, and every plainly named
// spec is there (contract.check adds shapes and sizes).
func checkArrays(what string, specs []registry.OutputSpec, got map[string]*sdk.Tensor) error {
	for _, name := range sortedKeys(got) {
		t := got[name]
		if t == nil {
			return fmt.Errorf("%s %q with no data", what, name)
		}
		spec, ok := findSpec(specs, name)
		if !ok {
			return fmt.Errorf("undeclared %s %q (%s)", what, name, t)
		}
		if len(spec.DTypes) > 0 && !spec.AcceptsDType(t.DType()) {
			return fmt.Errorf("%s %q as %s, analyzer.json declares %s", what, name, t.DType(), spec.DTypeString())
		}
	}
	for _, s := range specs {
		if s.Optional || strings.ContainsAny(s.Name, "<*?") {
			continue
		}
		if _, ok := got[s.Name]; !ok {
			return fmt.Errorf("no %s %q, which analyzer.json declares", what, s.Name)
		}
	}
	return nil
}

func findSpec(specs []registry.OutputSpec, name string) (registry.OutputSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	for _, s := range specs {
		if s.Matches(name) {
			return s, true
		}
	}
	return registry.OutputSpec{}, false
}
