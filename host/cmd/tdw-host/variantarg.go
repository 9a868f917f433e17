package main

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

// variantArg is how commands name a variant: its folder name (searched under
// every installed family), FAMILY/NAME, or FAMILY with -p parameters and an
// optional preset.
type variantArg struct {
	params []string
	preset string
}

// resolve finds the variant arg names. The variant must exist on disk.
func (a *app) resolveVariant(arg string, va variantArg) (*registry.FamilyManifest, *variant.Variant, error) {
	fams, _, err := a.discoverFamilies()
	if err != nil {
		return nil, nil, err
	}
	if fam, ok := lookupFamily(fams, arg); ok {
		given, err := parseParamFlags(va.params)
		if err != nil {
			return nil, nil, err
		}
		params, err := fam.ResolveParams(va.preset, given)
		if err != nil {
			return nil, nil, usageErrorf("%v", err)
		}
		name, err := fam.VariantPattern.Name(params)
		if err != nil {
			return nil, nil, usageErrorf("%v", err)
		}
		v, err := variant.Open(a.cfg.ResultsDir, fam.Name, name)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (train it first: %s train %s %s)", err, a.self, fam.Name, strings.Join(paramArgs(va), " "))
		}
		return fam, v, nil
	}
	if len(va.params) > 0 || va.preset != "" {
		return nil, nil, usageErrorf("-p and --preset need a family name, and %q is not an installed family", arg)
	}
	if famName, name, ok := strings.Cut(arg, "/"); ok {
		for _, part := range []string{famName, name} {
			if err := registry.SafePathComponent(part); err != nil {
				return nil, nil, usageErrorf("variant %q: %v", arg, err)
			}
		}
		fam, err := fams.Get(famName)
		if err != nil {
			return nil, nil, err
		}
		v, err := variant.Open(a.cfg.ResultsDir, fam.Name, name)
		return fam, v, err
	}
	if err := registry.SafePathComponent(arg); err != nil {
		return nil, nil, usageErrorf("variant %q: %v", arg, err)
	}
	var found []*registry.FamilyManifest
	for _, fam := range fams.List() {
		if _, ok := fam.VariantPattern.Parse(arg); ok {
			found = append(found, fam)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil, usageErrorf("%q is neither an installed family nor a variant name of one (see '%s variants FAMILY')", arg, a.self)
	case 1:
		v, err := variant.Open(a.cfg.ResultsDir, found[0].Name, arg)
		return found[0], v, err
	}
	return nil, nil, usageErrorf("variant %q matches several families' patterns: write FAMILY/%s", arg, arg)
}

func lookupFamily(fams *registry.FamilyRegistry, name string) (*registry.FamilyManifest, bool) {
	f, err := fams.Get(name)
	return f, err == nil
}

func paramArgs(va variantArg) []string {
	var out []string
	if va.preset != "" {
		out = append(out, "--preset "+va.preset)
	}
	for _, p := range va.params {
		out = append(out, "-p "+p)
	}
	return out
}
