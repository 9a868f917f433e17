package pluginhost

import "github.com/tdw-workbench/tdw/host/registry"

// FamilySpec is the Spec of a family's plugin as its family.json describes
// it: the launched plugin must describe itself with the manifest's name and
// version.
func FamilySpec(f *registry.FamilyManifest) Spec {
	return Spec{Name: f.Name, Version: f.Version, Command: f.CommandPath, Args: f.Args, Dir: f.Dir}
}

// AnalyzerSpec is the Spec of an analyzer's plugin as its analyzer.json
// describes it: name, version and kind are checked against the plugin.
func AnalyzerSpec(m *registry.AnalyzerManifest) Spec {
	return Spec{Name: m.Name, Version: m.Version, Kind: m.Kind, Command: m.CommandPath, Args: m.Args, Dir: m.Dir}
}
