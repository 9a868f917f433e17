package pluginhost

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/sdk"
)

// Family is a running model family plugin; it implements sdk.ProbeFamily
// (a plugin without named probes lists no generators). Every error names
// the plugin.
type Family struct {
	proc   *process
	client *rpc.FamilyClient
}

var _ sdk.ProbeFamily = (*Family)(nil)

// LaunchFamily starts the family plugin described by spec and checks its
// self-description against spec's Name and Version.
func LaunchFamily(ctx context.Context, spec Spec, opts Options) (*Family, error) {
	opts = opts.withDefaults()
	proc, raw, err := launch(ctx, spec, opts, rpc.FamilyPluginName, &rpc.FamilyPlugin{DescribeTimeout: opts.StartTimeout})
	if err != nil {
		return nil, err
	}
	c, ok := raw.(*rpc.FamilyClient)
	if !ok {
		proc.close()
		return nil, fmt.Errorf("%s: dispensed %T, not a family", proc.label(), raw)
	}
	f := &Family{proc: proc, client: c}
	info := c.Info()
	if (spec.Name != "" && info.Name != spec.Name) || (spec.Version != "" && info.Version != spec.Version) {
		f.Close()
		return nil, fmt.Errorf("%s (%s) describes itself as %q version %q, but its description expects %q version %q",
			proc.label(), proc.path, info.Name, info.Version, spec.Name, spec.Version)
	}
	return f, nil
}

// Info returns the plugin's self-description.
func (f *Family) Info() sdk.FamilyInfo { return f.client.Info() }

// Pid returns the plugin's process id.
func (f *Family) Pid() int { return f.proc.pid() }

// Err returns why the plugin can no longer be called, or nil.
func (f *Family) Err() error { return f.proc.usable() }

// ModelConfig asks the plugin for the model configuration of p.
func (f *Family) ModelConfig(ctx context.Context, p sdk.Params) (mc sdk.ModelConfig, err error) {
	err = f.proc.call(ctx, "ModelConfig", func(ctx context.Context) (err error) { mc, err = f.client.ModelConfig(ctx, p); return err })
	return mc, err
}

// TrainingData asks the plugin for the training and test split of p.
func (f *Family) TrainingData(ctx context.Context, p sdk.Params) (td *sdk.TrainingData, err error) {
	err = f.proc.call(ctx, "TrainingData", func(ctx context.Context) (err error) { td, err = f.client.TrainingData(ctx, p); return err })
	return td, err
}

// Probe asks the plugin for the analysis probe of p.
func (f *Family) Probe(ctx context.Context, p sdk.Params) (ds *sdk.Dataset, err error) {
	err = f.proc.call(ctx, "Probe", func(ctx context.Context) (err error) { ds, err = f.client.Probe(ctx, p); return err })
	return ds, err
}

// AnalysisContext asks the plugin for the analysis context of p.
func (f *Family) AnalysisContext(ctx context.Context, p sdk.Params) (m map[string]*sdk.Tensor, err error) {
	err = f.proc.call(ctx, "AnalysisContext", func(ctx context.Context) (err error) { m, err = f.client.AnalysisContext(ctx, p); return err })
	return m, err
}

// TrainingConfig asks the plugin for the training defaults of p.
func (f *Family) TrainingConfig(ctx context.Context, p sdk.Params) (tc sdk.TrainingConfig, err error) {
	err = f.proc.call(ctx, "TrainingConfig", func(ctx context.Context) (err error) { tc, err = f.client.TrainingConfig(ctx, p); return err })
	return tc, err
}

// ProbeGenerators returns the probe generator names the plugin listed when
// it started (none for a plugin without named probes).
func (f *Family) ProbeGenerators() []string { return f.client.ProbeGenerators() }

// GenerateProbe asks the plugin for one of its named probes.
func (f *Family) GenerateProbe(ctx context.Context, p sdk.Params, spec sdk.ProbeSpec) (ds *sdk.Dataset, err error) {
	err = f.proc.call(ctx, "GenerateProbe", func(ctx context.Context) (err error) { ds, err = f.client.GenerateProbe(ctx, p, spec); return err })
	return ds, err
}

// ProbeContext asks the plugin for the analysis context over a probe.
func (f *Family) ProbeContext(ctx context.Context, p sdk.Params, probe sdk.Probe) (m map[string]*sdk.Tensor, err error) {
	err = f.proc.call(ctx, "ProbeContext", func(ctx context.Context) (err error) { m, err = f.client.ProbeContext(ctx, p, probe); return err })
	return m, err
}

// Close stops the plugin process. It is idempotent and always returns nil.
func (f *Family) Close() error {
	f.proc.shutdown(fmt.Errorf("%s was closed", f.proc.label()))
	return nil
}
