package peers

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

// SeedParams returns the family's domain parameters that are seeds (whose
// name ends in "seed"), sorted.
func SeedParams(fam *registry.FamilyManifest) []string {
	var out []string
	for _, n := range fam.DomainParameters.Names() {
		if strings.HasSuffix(n, "seed") {
			out = append(out, n)
		}
	}
	return out
}

// Find returns the variants among all whose parameters equal the anchor's
// except by, which differs, sorted by by's value. by must be one of the
// family's seed parameters.
func Find(fam *registry.FamilyManifest, anchor *variant.Variant, all []*variant.Variant, by string) ([]*variant.Variant, error) {
	seeds := SeedParams(fam)
	if !contains(seeds, by) {
		return nil, fmt.Errorf("%q is not a seed parameter of family %s (its seeds: %s)", by, fam.Name, strings.Join(seeds, ", "))
	}
	var out []*variant.Variant
	for _, v := range all {
		if v.Name == anchor.Name || !peerOf(anchor, v, by) {
			continue
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Params[by], out[j].Params[by]
		x, xok := a.(int64)
		y, yok := b.(int64)
		if xok && yok {
			return x < y
		}
		return registry.FormatValue(a) < registry.FormatValue(b)
	})
	return out, nil
}

// peerOf reports whether v's parameters are the anchor's but for by.
func peerOf(anchor, v *variant.Variant, by string) bool {
	if len(anchor.Params) != len(v.Params) {
		return false
	}
	for k, a := range anchor.Params {
		b, ok := v.Params[k]
		if !ok {
			return false
		}
		same := registry.FormatValue(a) == registry.FormatValue(b)
		if (k == by) == same {
			return false
		}
	}
	return true
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
