package analysis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/pluginhost"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// Plugin is a running analyzer as a run drives it; *pluginhost.Analyzer is
// one. A per-checkpoint analyzer answers Begin/Analyze/End, a cross-epoch one
// AnalyzeAcross.
type Plugin interface {
	Info() sdk.AnalyzerInfo
	Begin(ctx context.Context, run *sdk.Run) error
	Analyze(ctx context.Context, cp *sdk.Checkpoint) (*sdk.Result, error)
	End(ctx context.Context) error
	AnalyzeAcross(ctx context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error)
	// Err says why the plugin can no longer be called, or nil.
	Err() error
	Close() error
}

// Launcher starts the plugin of an analyzer. maxReply, when positive, caps
// the bytes of one reply (see pluginhost.Spec.MaxReplyBytes).
type Launcher func(ctx context.Context, m *registry.AnalyzerManifest, maxReply int64) (Plugin, error)

// PluginLauncher launches analyzer binaries with pluginhost, checking each
// against its analyzer.json's name, version and kind; every call to the
// plugin has its analyzer.json's timeout (pluginhost's default without one).
func PluginLauncher(opts pluginhost.Options) Launcher {
	return func(ctx context.Context, m *registry.AnalyzerManifest, maxReply int64) (Plugin, error) {
		spec := pluginhost.Spec{Name: m.Name, Version: m.Version, Kind: m.Kind, Command: m.CommandPath, Args: m.Args, Dir: m.Dir,
			CallTimeout: m.Timeout, MaxReplyBytes: maxReply}
		return pluginhost.LaunchAnalyzer(ctx, spec, opts)
	}
}

// Options are the parts of a run that do not change what it computes.
type Options struct {
	// Launch starts analyzer plugins (default: PluginLauncher with zero
	// options).
	Launch Launcher
	// Logger receives the run's log lines (default: hclog.Default()).
	Logger hclog.Logger
	// Progress, when set, is called after every step of the run.
	Progress func(Progress)
	// Command names the run in the variant's lock file (default "analyze").
	Command string
	// ShapeSymbols are the family's shape_symbols (family.json), which
	// analyzers' declared shapes may use.
	ShapeSymbols map[string]registry.Dim
	// Family is the family's family.json, whose probes the run records for
	// the variant when it does not hold them yet (nil: a family that
	// declares none, whose one probe is its plugin's Probe).
	Family *registry.FamilyManifest
}

// Progress reports how far a run is.
type Progress struct {
	Phase   string // "forward", "analyze" or "cross-epoch"
	Epoch   int    // the checkpoint just finished (per-checkpoint phase)
	Done    int
	Total   int
	Elapsed time.Duration
	ETA     time.Duration // 0 when unknown
}

// Run is the domain model's AnalysisRun over one variant.
type Run struct {
	v       *variant.Variant
	art     *results.Artifacts // v's analysis folder
	family  sdk.Family
	cfg     Config
	opts    Options
	entries []*registry.AnalyzerManifest
	state   results.State
	log     hclog.Logger
}

// New returns a run of cfg over variant v, whose family plugin is family.
// Register the analyzers, then call Execute.
func New(v *variant.Variant, family sdk.Family, cfg Config, opts Options) *Run {
	if opts.Launch == nil {
		opts.Launch = PluginLauncher(pluginhost.Options{})
	}
	if opts.Logger == nil {
		opts.Logger = hclog.Default()
	}
	if opts.Command == "" {
		opts.Command = "analyze"
	}
	return &Run{v: v, art: results.For(v), family: family, cfg: cfg, opts: opts, state: results.NotStarted, log: opts.Logger.Named("analysis")}
}

// Register adds an analyzer to the run and returns the run. Registering a
// name twice keeps the first.
func (r *Run) Register(m *registry.AnalyzerManifest) *Run {
	for _, e := range r.entries {
		if e.Name == m.Name {
			return r
		}
	}
	r.entries = append(r.entries, m)
	return r
}

// State returns the run's state.
func (r *Run) State() results.State { return r.state }

// ManifestPath returns where the run's manifest lives: the default probe's
// (analysis/manifest.json) until Execute has chosen the run's probe.
func (r *Run) ManifestPath() string { return r.art.ManifestPath() }

// CompletedEpochs returns the epochs the named analyzer has artifacts for,
// according to the manifest on disk.
func (r *Run) CompletedEpochs(name string) ([]int, error) {
	m, err := loadManifest(r.art, r.v)
	if err != nil {
		return nil, err
	}
	rec, ok := m.Analyzers[name]
	if !ok {
		return nil, nil
	}
	return rec.CompletedEpochs(), nil
}

// LoadArtifact returns the named analyzer's per-epoch arrays stacked over its
// completed epochs (see results.Reader.Load).
func (r *Run) LoadArtifact(name string, fields ...string) (*sdk.Stacked, error) {
	rd, err := r.art.Reader()
	if err != nil {
		return nil, err
	}
	return rd.Load(name, fields...)
}

// Report says what a run did, per analyzer.
type Report struct {
	Analyzers map[string]*AnalyzerReport
	Elapsed   time.Duration
}

// AnalyzerReport is one analyzer's part of a Report.
type AnalyzerReport struct {
	Computed int
	UpToDate int
	Seconds  float64
	Failures map[int]string // by epoch; -1 for the cross-epoch step or the plugin as a whole
	// Skipped says why the analyzer did not run at all, when it does not
	// apply to the run's probe (a context entry the probe has not, or an
	// input of an analyzer that was skipped); "" when it ran.
	Skipped string
}

// ErrFailures is wrapped by Execute's error when some analyzer failed; the
// Report says which and why.
var ErrFailures = errors.New("some analyzers failed")

// active is one analyzer in a run.
type active struct {
	m        *registry.AnalyzerManifest
	settings sdk.Params
	key      string
	needs    *needs
	contract *contract
	todo     map[int]bool
	plugin   Plugin
	dead     error // set once the plugin cannot be used any more
	rep      *AnalyzerReport
}

// Execute runs every registered analyzer over the configured checkpoints.
// It returns the report and a nil error when everything was computed or
// already up to date. Failures of single analyzers do not stop the others;
// they are recorded in the manifest and the error wraps ErrFailures. When ctx
// is cancelled the run stops after the checkpoint in hand, keeps all finished
// work, records TERMINATED and returns ctx's error.
func (r *Run) Execute(ctx context.Context) (rep *Report, err error) {
	start := time.Now()
	rep = &Report{Analyzers: map[string]*AnalyzerReport{}}
	if len(r.entries) == 0 {
		return rep, fmt.Errorf("no analyzers registered")
	}
	lock, err := lockfile.Acquire(r.v.LockPath(), "tdw-host "+r.opts.Command)
	if errors.Is(err, lockfile.ErrHeld) {
		return rep, fmt.Errorf("variant %s is busy: %w", r.v.Name, err)
	} else if err != nil {
		return rep, fmt.Errorf("variant %s: %w", r.v.Name, err) // e.g. a read-only results folder
	}
	defer lock.Release()

	rp, err := r.selectProbe(ctx)
	if err != nil {
		return rep, err
	}
	if err := os.MkdirAll(r.art.Dir(), 0o755); err != nil {
		return rep, err
	}
	s, err := r.prepare(ctx, rp)
	if err != nil {
		return rep, err
	}
	// Every analyzer is resolved before a checkpoint is touched, so that a
	// bad declaration fails fast and names its analyzer.
	per, sec, cross, err := r.resolveAnalyzers(s, rep)
	if err != nil {
		return rep, err
	}
	r.state = results.InProgress
	s.man.State = results.InProgress
	if err := saveManifest(s.man, r.ManifestPath()); err != nil {
		return rep, err
	}
	defer func() { err = r.finish(ctx, s.man, rep, start, err) }()

	if err := r.perCheckpoint(ctx, s, per); err != nil {
		return rep, err
	}
	if ctx.Err() != nil {
		return rep, nil
	}
	if err := r.secondaryPhase(ctx, s, sec); err != nil {
		return rep, err
	}
	if ctx.Err() != nil {
		return rep, nil
	}
	return rep, r.crossEpoch(ctx, s, cross)
}

// finish records how the run ended, TERMINATED when ctx was cancelled and
// COMPLETE otherwise, and returns the run's error: err, else the manifest's
// save error, else ctx's error, else ErrFailures naming the analyzers that
// failed.
func (r *Run) finish(ctx context.Context, man *results.Manifest, rep *Report, start time.Time, err error) error {
	man.Failures = 0
	for _, a := range rep.Analyzers {
		man.Failures += len(a.Failures)
	}
	switch {
	case ctx.Err() != nil:
		r.state = results.Terminated
	case err != nil:
		r.state = results.Failed
	case man.Failures > 0:
		r.state = results.CompleteWithErrors
	default:
		r.state = results.Complete
	}
	man.State = r.state
	if serr := saveManifest(man, r.ManifestPath()); serr != nil && err == nil {
		err = serr
	}
	rep.Elapsed = time.Since(start)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err == nil {
		err = failuresError(rep)
	}
	return err
}

func failuresError(rep *Report) error {
	var parts []string
	for _, name := range sortedKeys(rep.Analyzers) {
		if n := len(rep.Analyzers[name].Failures); n > 0 {
			parts = append(parts, fmt.Sprintf("%s (%d)", name, n))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrFailures, strings.Join(parts, ", "))
}

// epochs returns the checkpoints the run covers.
func (r *Run) epochs() ([]int, error) {
	have, err := r.v.Checkpoints()
	if err != nil {
		return nil, err
	}
	if len(have) == 0 {
		return nil, fmt.Errorf("variant %s has no checkpoints in %s (train it first)", r.v.Name, r.v.CheckpointsDir())
	}
	if r.cfg.Checkpoints == nil {
		return have, nil
	}
	return r.cfg.Checkpoints, nil
}
