package main

import (
	"errors"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/host/view"
)

// viewBuilder returns a view builder of v's analyses over the named probe
// ("" for v's default probe), as the dashboard's ?probe= gives it: another
// probe's views come from its own analyses only, never from the default
// probe's in their place. A name v has no probe of is a usage error naming
// the probes it has. Without installed analyzers the views fall back to the
// arrays' shapes.
func (a *app) viewBuilder(fam *registry.FamilyManifest, v *variant.Variant, probeName string) (*view.Builder, error) {
	var ms view.Manifests
	if reg, _, err := a.discoverAnalyzers(); err != nil {
		a.log.Info("analyzers not read: views fall back to the arrays' shapes", "error", err)
	} else {
		ms = reg
	}
	b := view.NewBuilder(v, ms)
	if probeName == "" {
		return b, nil
	}
	art, err := probeArtifacts(v, fam, probeName)
	if err != nil {
		return nil, err
	}
	rd, err := art.Reader()
	if err != nil {
		return nil, err
	}
	return b.WithReader(rd), nil
}

// probeArtifacts returns v's analysis folder over the probe --probe names
// (results.ForProbe); a name that is no probe of v is a usage error.
func probeArtifacts(v *variant.Variant, fam *registry.FamilyManifest, probeName string) (*results.Artifacts, error) {
	art, err := results.ForProbe(v, fam, probeName)
	if errors.Is(err, results.ErrSelection) || errors.Is(err, results.ErrNotFound) {
		return nil, usageErrorf("--probe: %v", err)
	}
	return art, err
}
