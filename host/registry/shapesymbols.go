package registry

import (
	"slices"
	"sort"
)

// ModelConfigSymbols are the model-configuration names every declared shape
// may use (TransformerLens HookedTransformerConfig keys), besides those of
// shape_symbols and a run's integer parameters and settings.
var ModelConfigSymbols = []string{"n_layers", "d_model", "n_heads", "d_head", "d_mlp", "d_vocab", "d_vocab_out", "n_ctx"}

// parseShapeSymbols reads family.json's "shape_symbols": names to integer
// expressions of the family's domain parameters and model-config names.
func parseShapeSymbols(p *problems, path string, v any, params ParamSpecs) map[string]Dim {
	o := asObject(p, path, v)
	if o == nil {
		return nil
	}
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]Dim{}
	for _, k := range keys {
		kp := joinKey(path, k)
		if !checkName(p, kp, k) {
			continue
		}
		s, ok := o.str(k, true)
		if !ok {
			continue
		}
		d, err := ParseDim(s)
		if err != nil {
			p.add(kp, "%v", err)
			continue
		}
		for _, n := range d.Names() {
			if spec, isParam := params[n]; isParam && spec.Type == ParamInt {
				continue
			}
			if !slices.Contains(ModelConfigSymbols, n) {
				p.add(kp, "%q uses %q, which is neither an int domain parameter nor a model-config name (%v)", s, n, ModelConfigSymbols)
			}
		}
		out[k] = d
	}
	return out
}
