package analysis

import "fmt"

// dependencyOrder sorts analyzers so that each comes after those of the
// list whose artifacts it reads; a cycle is an error (the registry refuses
// one at load; this guards a run built by hand).
func dependencyOrder(list []*active) ([]*active, error) {
	byName := map[string]*active{}
	for _, a := range list {
		byName[a.m.Name] = a
	}
	var out []*active
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(a *active, path []string) error
	visit = func(a *active, path []string) error {
		switch state[a.m.Name] {
		case 1:
			return fmt.Errorf("analyzers depend on each other in a cycle: %v", append(path, a.m.Name))
		case 2:
			return nil
		}
		state[a.m.Name] = 1
		for _, ref := range a.m.Inputs.Artifacts {
			if dep, ok := byName[ref.Analyzer]; ok {
				if err := visit(dep, append(path, a.m.Name)); err != nil {
					return err
				}
			}
		}
		state[a.m.Name] = 2
		out = append(out, a)
		return nil
	}
	for _, a := range list {
		if err := visit(a, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
