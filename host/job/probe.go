package job

import (
	"context"
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// checkProbe resolves an analysis request's probe for variant v of fam:
// "" for the variant's default probe (named or not), else the name, which
// v must hold or fam declare (a declared probe not recorded yet is recorded
// by the run). Anything else is a *RequestError on "probe" naming the
// probes there are.
func checkProbe(fam *registry.FamilyManifest, v *variant.Variant, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if !registry.ValidName(name) {
		return "", requestErrorf("probe", "%q is not a probe name (want one or more of [a-z0-9_])", name)
	}
	ix, err := probe.ReadIndex(v)
	if err != nil {
		return "", &RequestError{Field: "probe", Err: err}
	}
	def := ix.Default
	if def == "" {
		def = fam.CanonicalProbe().Name
	}
	if name == def {
		return "", nil
	}
	if _, ok := ix.Probes[name]; ok {
		return name, nil
	}
	if _, ok := fam.ProbeSpec(name); ok {
		return name, nil
	}
	have := map[string]bool{}
	var names []string
	for _, n := range ix.Names() {
		have[n] = true
		names = append(names, n)
	}
	for _, s := range fam.ProbeSpecs() {
		if !have[s.Name] {
			names = append(names, s.Name)
		}
	}
	return "", requestErrorf("probe", "variant %s has no probe %q (probes: %s)", v.Name, name, strings.Join(names, ", "))
}

// recordProbes records the family's probes that v does not hold yet,
// under v's lock: training records them before its first epoch, so that
// every later analysis of the variant runs on what was recorded then.
func recordProbes(ctx context.Context, v *variant.Variant, fam *registry.FamilyManifest, plugin sdk.Family) error {
	lock, err := lockfile.Acquire(v.LockPath(), "tdw-host train (probes)")
	if err != nil {
		return fmt.Errorf("train %s: %w", v.Name, err)
	}
	defer lock.Release()
	if _, err := probe.Ensure(ctx, v, fam, plugin); err != nil {
		return fmt.Errorf("train %s: record its probes: %w", v.Name, err)
	}
	return nil
}
