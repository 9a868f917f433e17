package pluginhost

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/internal/rpc"
	"github.com/tdw-workbench/tdw/sdk"
)

// Analyzer is a running analyzer plugin. It implements sdk.Analyzer and
// sdk.CrossEpochAnalyzer; the plugin's Kind says which calls it answers.
// Methods are safe for concurrent use but the plugin handles one call at a
// time. Every error names the plugin.
type Analyzer struct {
	proc   *process
	client *rpc.AnalyzerClient
}

// LaunchAnalyzer starts the analyzer plugin described by spec and checks its
// self-description against spec's Name, Version and Kind.
func LaunchAnalyzer(ctx context.Context, spec Spec, opts Options) (*Analyzer, error) {
	opts = opts.withDefaults()
	pl := &rpc.AnalyzerPlugin{SharedMemory: !opts.NoSharedMemory, DescribeTimeout: opts.StartTimeout, Logger: opts.Logger.Named(spec.Name),
		MaxReplyBytes: spec.MaxReplyBytes}
	proc, raw, err := launch(ctx, spec, opts, rpc.AnalyzerPluginName, pl)
	if err != nil {
		return nil, err
	}
	c, ok := raw.(*rpc.AnalyzerClient)
	if !ok {
		proc.close()
		return nil, fmt.Errorf("%s: dispensed %T, not an analyzer", proc.label(), raw)
	}
	a := &Analyzer{proc: proc, client: c}
	proc.closeMu.Lock()
	proc.onClose = func() { _ = c.Close() }
	proc.closeMu.Unlock()
	info := c.Info()
	if (spec.Name != "" && info.Name != spec.Name) || (spec.Version != "" && info.Version != spec.Version) || (spec.Kind != "" && info.Kind != spec.Kind) {
		a.Close()
		return nil, fmt.Errorf("%s (%s) describes itself as %q version %q (%s), but its description expects %q version %q (%s)",
			proc.label(), proc.path, info.Name, info.Version, info.Kind, spec.Name, spec.Version, spec.Kind)
	}
	if info.Kind != sdk.PerCheckpoint && info.Kind != sdk.CrossEpoch && info.Kind != sdk.Secondary {
		a.Close()
		return nil, fmt.Errorf("%s (%s) describes itself with unknown kind %q", proc.label(), proc.path, info.Kind)
	}
	return a, nil
}

// Info returns the plugin's self-description.
func (a *Analyzer) Info() sdk.AnalyzerInfo { return a.client.Info() }

// Name returns the name errors use for the plugin.
func (a *Analyzer) Name() string { return a.proc.name }

// Pid returns the plugin's process id.
func (a *Analyzer) Pid() int { return a.proc.pid() }

// Err returns why the plugin can no longer be called (it crashed, hung, wrote
// to stdout, was closed), or nil.
func (a *Analyzer) Err() error { return a.proc.usable() }

// Begin starts a run in the plugin. Context tensors are copied by the plugin,
// so they need not outlive the call.
func (a *Analyzer) Begin(ctx context.Context, run *sdk.Run) error {
	return a.proc.call(ctx, "Begin", func(ctx context.Context) error { return a.client.Begin(ctx, run) })
}

// Analyze runs the plugin on one checkpoint. The checkpoint's tensors must
// stay unchanged until Analyze returns (the plugin may read them in place).
// The caller holds the result to the analyzer's declared outputs.
func (a *Analyzer) Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	var res *sdk.Result
	err := a.proc.call(ctx, fmt.Sprintf("Analyze (epoch %d)", cp.Epoch), func(ctx context.Context) (err error) {
		res, err = a.client.Analyze(ctx, cp)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// End ends the run in the plugin.
func (a *Analyzer) End(ctx context.Context) error {
	return a.proc.call(ctx, "End", func(ctx context.Context) error { return a.client.End(ctx) })
}

// AnalyzeAcross runs a cross-epoch plugin. The caller holds the arrays to
// the analyzer's declared outputs.
func (a *Analyzer) AnalyzeAcross(ctx context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	var out map[string]*sdk.Tensor
	err := a.proc.call(ctx, "AnalyzeAcross", func(ctx context.Context) (err error) {
		out, err = a.client.AnalyzeAcross(ctx, run, inputs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Close stops the plugin process. It is idempotent and always returns nil;
// the error is there so Analyzer fits io.Closer.
func (a *Analyzer) Close() error {
	a.proc.shutdown(fmt.Errorf("%s was closed", a.proc.label()))
	return nil
}
