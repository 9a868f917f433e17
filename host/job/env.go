package job

import (
	"context"

	hclog "github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
)

// Env is what jobs run against: the results folder, the registries and
// where logs go.
type Env struct {
	// Results is the results folder: Results/{family}/{variant}/.
	Results string
	// Families resolves family names; required.
	Families *registry.FamilyRegistry
	// Analyzers resolves analyzer names; required by Analyze only.
	Analyzers *registry.AnalyzerRegistry
	// Logger receives the plugins' and runs' logs (nil: none).
	Logger hclog.Logger
	// TDWVersion is recorded in metadata.json and checkpoint files.
	TDWVersion string
	// Budget, if set, bounds what a job may use instead of what the machine
	// has now (its non-zero fields replace the available memory and the
	// free disk that the resource guard compares an estimate with): a
	// share of a machine others use too.
	Budget *Machine
}

// machine is what a job may use: the machine's, within the budget.
func (e Env) machine() Machine {
	m := readMachine(e.Results)
	if b := e.Budget; b != nil {
		if b.Memory > 0 {
			m.Memory, m.MemorySource = b.Memory, "the jobs' memory budget"
		}
		if b.Disk > 0 {
			m.Disk = b.Disk
		}
	}
	return m
}

func (e Env) logger() hclog.Logger {
	if e.Logger == nil {
		return hclog.NewNullLogger()
	}
	return e.Logger
}

func (e Env) pluginOptions() pluginhost.Options { return pluginhost.Options{Logger: e.logger()} }

// launchFamily starts a family's plugin, checked against its family.json.
func (e Env) launchFamily(ctx context.Context, f *registry.FamilyManifest) (*pluginhost.Family, error) {
	return LaunchFamily(ctx, f, e.pluginOptions())
}

// LaunchFamily starts a family's plugin as its family.json describes it: the
// plugin must describe itself with the manifest's name and version.
func LaunchFamily(ctx context.Context, f *registry.FamilyManifest, opts pluginhost.Options) (*pluginhost.Family, error) {
	return pluginhost.LaunchFamily(ctx, pluginhost.Spec{Name: f.Name, Version: f.Version, Command: f.CommandPath, Args: f.Args, Dir: f.Dir}, opts)
}

// family looks a family up, as a request error naming the field.
func (e Env) family(name string) (*registry.FamilyManifest, error) {
	if name == "" {
		return nil, requestErrorf("family", "no family given")
	}
	if e.Families == nil {
		return nil, requestErrorf("family", "no families are installed")
	}
	f, err := e.Families.Get(name)
	if err != nil {
		return nil, &RequestError{Field: "family", Err: err}
	}
	return f, nil
}
