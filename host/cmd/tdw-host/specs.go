package main

import (
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
)

// familySpec is what pluginhost launches for a family and checks the plugin
// against: its family.json.
func familySpec(f *registry.FamilyManifest) pluginhost.Spec {
	return pluginhost.Spec{Name: f.Name, Version: f.Version, Command: f.CommandPath, Args: f.Args, Dir: f.Dir}
}

// analyzerSpec is the same for an analyzer and its analyzer.json.
func analyzerSpec(m *registry.AnalyzerManifest) pluginhost.Spec {
	return pluginhost.Spec{Name: m.Name, Version: m.Version, Kind: m.Kind, Command: m.CommandPath, Args: m.Args, Dir: m.Dir}
}
