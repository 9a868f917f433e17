package registry

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// DefaultProbeName is the name of the one probe of a family whose
// family.json declares none: the input its plugin's Probe call returns.
const DefaultProbeName = "default"

// ProbesFolder is the folder in a variant's analysis folder that holds the
// analyses of its non-default probes (analysis/probes/{probe}/); no analyzer
// may take its name.
const ProbesFolder = "probes"

// ProbeSpec is one probe a family declares in family.json: a named input set
// the family plugin generates for every variant (docs/family-json.md,
// "probes").
type ProbeSpec struct {
	Name        string
	Description string
	// Generator names how the plugin makes the probe: one of the generator
	// names the plugin lists. It is "" only for the implicit default probe of
	// a family that declares no probes, which is the plugin's Probe call.
	Generator string
	// Params are the generator's parameters (int64, float64, string or
	// bool); the plugin checks them.
	Params sdk.Params
}

// CanonicalProbe returns the family's default probe: the one declared as
// default_probe, or, for a family that declares no probes, the implicit
// probe named DefaultProbeName that the plugin's Probe call returns.
func (f *FamilyManifest) CanonicalProbe() ProbeSpec {
	if s, ok := f.Probes[f.DefaultProbe]; ok {
		return s
	}
	return ProbeSpec{Name: DefaultProbeName, Description: "the family's one probe (family.json declares no named probes)"}
}

// ProbeSpecs returns every probe the family declares, the default first and
// the others by name; a family that declares none has the implicit one.
func (f *FamilyManifest) ProbeSpecs() []ProbeSpec {
	def := f.CanonicalProbe()
	out := []ProbeSpec{def}
	names := make([]string, 0, len(f.Probes))
	for n := range f.Probes {
		if n != def.Name {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, f.Probes[n])
	}
	return out
}

// ProbeSpec returns the declared probe of that name (the implicit default
// probe included), and whether there is one.
func (f *FamilyManifest) ProbeSpec(name string) (ProbeSpec, bool) {
	for _, s := range f.ProbeSpecs() {
		if s.Name == name {
			return s, true
		}
	}
	return ProbeSpec{}, false
}

// parseProbes reads family.json's "probes" object.
func parseProbes(p *problems, path string, v any) map[string]ProbeSpec {
	o := asObject(p, path, v)
	if o == nil {
		return nil
	}
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		p.add(path, "is empty: leave it out, or declare at least the default probe")
	}
	out := map[string]ProbeSpec{}
	for _, name := range keys {
		raw, pp, _ := o.field(name, true)
		if !checkName(p, pp, name) {
			continue
		}
		po := asObject(p, pp, raw)
		if po == nil {
			continue
		}
		s := ProbeSpec{Name: name}
		if s.Description, _ = po.str("description", true); po.has("description") && strings.TrimSpace(s.Description) == "" {
			p.add(joinKey(pp, "description"), "is empty")
		}
		if s.Generator, _ = po.str("generator", true); s.Generator != "" {
			checkName(p, joinKey(pp, "generator"), s.Generator)
		}
		if raw, gp, ok := po.field("params", false); ok {
			s.Params = parseScalarParams(p, gp, raw)
		}
		po.finish()
		out[name] = s
	}
	return out
}

// parseScalarParams reads an object of scalar values: integers become
// int64, other numbers float64, strings and booleans stay as they are.
func parseScalarParams(p *problems, path string, v any) sdk.Params {
	o := asObject(p, path, v)
	if o == nil {
		return nil
	}
	out := sdk.Params{}
	for k, raw := range o.m {
		o.used[k] = true
		kp := joinKey(path, k)
		if !checkName(p, kp, k) {
			continue
		}
		switch x := raw.(type) {
		case string, bool:
			out[k] = x
		case json.Number:
			if i, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				out[k] = i
			} else if f, ok := asNumber(p, kp, x); ok {
				out[k] = f
			}
		default:
			p.add(kp, "want a number, string or boolean, found %s", jsonType(raw))
		}
	}
	return out
}

// checkDefaultProbe holds default_probe to the declared probes: required
// with them, one of them, and meaningless without them.
func checkDefaultProbe(p *problems, f *FamilyManifest, declared, given bool) {
	switch {
	case declared && !given:
		p.add("default_probe", "required field is missing (probes are declared: name the canonical one)")
	case !declared && given:
		p.add("default_probe", "%q names a probe, but the family declares no probes", f.DefaultProbe)
	case declared && given && !hasProblemUnder(p, "probes"):
		if _, ok := f.Probes[f.DefaultProbe]; !ok {
			names := make([]string, 0, len(f.Probes))
			for n := range f.Probes {
				names = append(names, n)
			}
			sort.Strings(names)
			p.add("default_probe", "%q is not one of the probes (%s)", f.DefaultProbe, strings.Join(names, ", "))
		}
	}
}

// FormatProbeParams writes generator parameters as NAME=VALUE, sorted by
// name ("" for none).
func FormatProbeParams(ps sdk.Params) string {
	parts := make([]string, 0, len(ps))
	for _, n := range ps.Names() {
		parts = append(parts, fmt.Sprintf("%s=%s", n, FormatValue(ps[n])))
	}
	return strings.Join(parts, " ")
}
