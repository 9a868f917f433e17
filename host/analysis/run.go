package analysis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/lockfile"
	"github.com/tdw-workbench/tdw/host/model"
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

// Launcher starts the plugin of an analyzer.
type Launcher func(ctx context.Context, m *registry.AnalyzerManifest) (Plugin, error)

// PluginLauncher launches analyzer binaries with pluginhost, checking each
// against its analyzer.json.
func PluginLauncher(opts pluginhost.Options) Launcher {
	return func(ctx context.Context, m *registry.AnalyzerManifest) (Plugin, error) {
		return pluginhost.LaunchAnalyzer(ctx, pluginhost.AnalyzerSpec(m), opts)
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
	// CallTimeout bounds one Analyze call of an analyzer whose analyzer.json
	// sets no timeout (default 10 minutes).
	CallTimeout time.Duration
	// Command names the run in the variant's lock file (default "analyze").
	Command string
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
	if opts.CallTimeout == 0 {
		opts.CallTimeout = 10 * time.Minute
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

// ManifestPath returns where the run's manifest lives.
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
	if err := os.MkdirAll(r.art.Dir(), 0o755); err != nil {
		return rep, err
	}
	lock, err := lockfile.Acquire(filepath.Join(r.v.Dir(), variant.LockFile), "tdw-host "+r.opts.Command)
	if err != nil {
		return rep, fmt.Errorf("variant %s is busy: %w", r.v.Name, err)
	}
	defer lock.Release()

	man, err := loadManifest(r.art, r.v)
	if err != nil {
		return rep, err
	}
	meta, err := r.v.Metadata()
	if err != nil {
		return rep, err
	}
	epochs, err := r.epochs()
	if err != nil {
		return rep, err
	}
	cfg, err := model.LoadConfig(r.v.ConfigPath())
	if err != nil {
		return rep, err
	}
	hashes := map[int]string{}
	for _, c := range meta.Checkpoints {
		hashes[c.Epoch] = c.SHA256
	}
	for _, e := range epochs {
		if hashes[e] == "" { // a checkpoint metadata.json does not describe
			if hashes[e], err = checkpoint.FileSHA256(r.v.CheckpointPath(e)); err != nil {
				return rep, err
			}
		}
	}
	probe, err := r.family.Probe(ctx, r.v.Params)
	if err != nil {
		return rep, err
	}
	context_, err := r.family.AnalysisContext(ctx, r.v.Params)
	if err != nil {
		return rep, err
	}
	ctxKeys := map[string]bool{}
	for k := range context_ {
		ctxKeys[k] = true
	}
	var weightNames []string
	for _, s := range model.ParamSpecs(cfg) {
		weightNames = append(weightNames, s.Name)
	}
	host, err := newHostService(*probe, meta.TrainIndices, meta.TestIndices)
	if err != nil {
		return rep, fmt.Errorf("variant %s: %w", r.v.Name, err)
	}

	// Resolve every analyzer before touching a checkpoint, so a bad
	// declaration fails fast and names its analyzer.
	var per, cross []*active
	for _, m := range r.entries {
		a := &active{m: m, todo: map[int]bool{}, rep: &AnalyzerReport{Failures: map[int]string{}}}
		rep.Analyzers[m.Name] = a.rep
		rec := record(man, m.Name)
		var sticky bool
		if a.settings, a.key, sticky, err = r.cfg.settingsFor(m, rec); err != nil {
			return rep, err
		}
		if sticky && !defaultSettings(m, a.key) {
			r.log.Info("keeping the settings the artifacts were computed with (--set to change them)",
				"analyzer", m.Name, "settings", a.settings)
		}
		if a.needs, err = resolveNeeds(m, cfg, weightNames, ctxKeys); err != nil {
			return rep, err
		}
		if !recordCurrent(rec, m, a.key) {
			// Another version or other settings: nothing recorded still holds.
			*rec = results.AnalyzerRecord{Version: m.Version, Kind: m.Kind, SettingsKey: a.key, Settings: a.settings,
				Epochs: map[int]*results.EpochRecord{}, Errors: map[int]string{}}
		}
		if m.Kind == sdk.CrossEpoch {
			cross = append(cross, a)
			continue
		}
		for _, e := range epochs {
			if r.cfg.Force || !epochFresh(r.art, m.Name, rec, e, hashes[e]) {
				a.todo[e] = true
			} else {
				a.rep.UpToDate++
			}
		}
		per = append(per, a)
	}
	if r.cfg.Settings != nil {
		for name := range r.cfg.Settings {
			if rep.Analyzers[name] == nil {
				return rep, fmt.Errorf("settings given for analyzer %q, which is not in this run", name)
			}
		}
	}

	r.state = results.InProgress
	man.State = results.InProgress
	if err := saveManifest(man, r.ManifestPath()); err != nil {
		return rep, err
	}
	defer func() {
		if ctx.Err() != nil {
			r.state = results.Terminated
		} else {
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
	}()

	runInfo := func(a *active) *sdk.Run {
		ctxSub := map[string]*sdk.Tensor{}
		for _, k := range a.needs.context {
			ctxSub[k] = context_[k]
		}
		return &sdk.Run{Family: r.v.Family, Variant: r.v.Name, Params: r.v.Params, Settings: a.settings,
			Model: cfg.SDK(), Context: ctxSub, Epochs: epochs, Host: host}
	}
	if err := r.perCheckpoint(ctx, man, per, epochs, hashes, host, runInfo); err != nil {
		return rep, err
	}
	if ctx.Err() != nil {
		return rep, nil
	}
	if err := r.crossEpoch(ctx, man, cross, runInfo); err != nil {
		return rep, err
	}
	return rep, nil
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
	set := map[int]bool{}
	for _, e := range have {
		set[e] = true
	}
	out := []int{}
	for _, e := range r.cfg.Checkpoints {
		if !set[e] {
			return nil, fmt.Errorf("variant %s has no checkpoint for epoch %d (%s)", r.v.Name, e, r.v.CheckpointPath(e))
		}
		out = append(out, e)
	}
	sort.Ints(out)
	return dedupe(out), nil
}

func dedupe(s []int) []int {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// loaded is one checkpoint ready for the analyzers.
type loaded struct {
	epoch int
	m     *model.Model
	cache *model.Cache
	sha   string
	err   error
}

// perCheckpoint runs the per-checkpoint phase: a producer loads and runs the
// forward pass of the next checkpoint while the analyzers work on this one.
func (r *Run) perCheckpoint(ctx context.Context, man *results.Manifest, per []*active, epochs []int, hashes map[int]string,
	host *hostService, runInfo func(*active) *sdk.Run) error {
	var work []int
	for _, e := range epochs {
		for _, a := range per {
			if a.todo[e] {
				work = append(work, e)
				break
			}
		}
	}
	if len(work) == 0 {
		return nil
	}
	// Launch and begin every analyzer with work, concurrently.
	var wg sync.WaitGroup
	for _, a := range per {
		if len(a.todo) == 0 {
			continue
		}
		wg.Add(1)
		go func(a *active) {
			defer wg.Done()
			p, err := r.opts.Launch(ctx, a.m)
			if err != nil {
				a.dead = err
				return
			}
			a.plugin = p
			if err := p.Begin(ctx, runInfo(a)); err != nil {
				a.dead = err
			}
		}(a)
	}
	wg.Wait()
	defer func() {
		for _, a := range per {
			if a.plugin != nil {
				if a.dead == nil && ctx.Err() == nil {
					ectx, cancel := context.WithTimeout(ctx, endTimeout)
					err := a.plugin.End(ectx)
					cancel()
					if err != nil {
						r.log.Warn("analyzer end failed", "analyzer", a.m.Name, "error", err)
					}
				}
				a.plugin.Close()
			}
		}
	}()
	for _, a := range per {
		if a.dead != nil {
			a.rep.Failures[-1] = a.dead.Error()
			r.log.Error("analyzer unavailable", "analyzer", a.m.Name, "error", a.dead)
		}
	}

	var needs []*needs
	for _, a := range per {
		if a.dead == nil && len(a.todo) > 0 {
			needs = append(needs, a.needs)
		}
	}
	fopts, _ := forwardOptions(needs)
	have := map[string]model.Positions{}
	for _, h := range fopts.Hooks {
		have[h.Pattern] = h.Positions
	}

	// The producer keeps one checkpoint ahead: its forward pass overlaps the
	// analyzers of the current one, at the cost of one extra cache in memory.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan loaded, 1)
	go func() {
		defer close(next)
		for _, e := range work {
			l := loaded{epoch: e}
			l.m, l.err = r.v.LoadModel(e)
			l.sha = hashes[e]
			if l.err == nil {
				l.cache, l.err = l.m.Forward(host.probe.Tokens, fopts)
			}
			select {
			case next <- l:
			case <-pctx.Done():
				return
			}
		}
	}()

	shared := &sharedInputs{log: r.log}
	defer shared.close()
	start := time.Now()
	sinceFlush := 0
	var manMu sync.Mutex
	done := 0
	for l := range next {
		if ctx.Err() != nil {
			break
		}
		if l.err != nil {
			for _, a := range per {
				if a.todo[l.epoch] {
					a.rep.Failures[l.epoch] = l.err.Error()
					record(man, a.m.Name).Errors[l.epoch] = l.err.Error()
				}
			}
			r.log.Error("checkpoint failed", "epoch", l.epoch, "error", l.err)
			continue
		}
		host.set(l.m, l.epoch)
		weights := l.m.StateDict()
		// Each analyzer's inputs, cut from the shared forward pass; tensors
		// several of them receive go to shared memory once.
		var ready []*active
		var cps []*sdk.Checkpoint
		for _, a := range per {
			if !a.todo[l.epoch] {
				continue
			}
			if a.dead != nil {
				a.rep.Failures[l.epoch] = "not run: " + a.dead.Error()
				continue
			}
			cp, err := checkpointFor(l.epoch, a.needs, l.cache, have, fopts.Logits, weights)
			if err != nil {
				msg := fmt.Sprintf("analyzer %s epoch %d: %v", a.m.Name, l.epoch, err)
				a.rep.Failures[l.epoch] = msg
				record(man, a.m.Name).Errors[l.epoch] = msg
				continue
			}
			ready = append(ready, a)
			cps = append(cps, cp)
		}
		shared.share(cps)
		var awg sync.WaitGroup
		for i, a := range ready {
			awg.Add(1)
			go func(a *active, cp *sdk.Checkpoint) {
				defer awg.Done()
				er, err := r.analyzeOne(ctx, a, cp, l.sha)
				manMu.Lock()
				defer manMu.Unlock()
				rec := record(man, a.m.Name)
				if err != nil {
					if ctx.Err() != nil {
						return // interrupted, not failed
					}
					a.rep.Failures[l.epoch] = err.Error()
					rec.Errors[l.epoch] = err.Error()
					if perr := a.plugin.Err(); perr != nil {
						a.dead = perr
					}
					r.log.Error("analyzer failed", "analyzer", a.m.Name, "epoch", l.epoch, "error", err)
					return
				}
				rec.Epochs[l.epoch] = er
				delete(rec.Errors, l.epoch)
				a.rep.Computed++
				a.rep.Seconds += er.Seconds
			}(a, cps[i])
		}
		awg.Wait()
		shared.release()
		host.set(nil, 0)
		done++
		sinceFlush++
		if sinceFlush >= max(1, r.cfg.SaveEvery) || done == len(work) {
			sinceFlush = 0
			if err := r.flush(man, per); err != nil {
				return err
			}
		}
		if r.opts.Progress != nil {
			el := time.Since(start)
			r.opts.Progress(Progress{Phase: "analyze", Epoch: l.epoch, Done: done, Total: len(work), Elapsed: el,
				ETA: time.Duration(float64(el) / float64(done) * float64(len(work)-done))})
		}
	}
	return r.flush(man, per)
}

// analyzeOne runs one analyzer on one checkpoint and writes its artifact.
func (r *Run) analyzeOne(ctx context.Context, a *active, cp *sdk.Checkpoint, sha string) (*results.EpochRecord, error) {
	timeout := a.m.Timeout
	if timeout == 0 {
		timeout = r.opts.CallTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t0 := time.Now()
	res, err := a.plugin.Analyze(cctx, cp)
	if err != nil {
		if cctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			// pluginhost has stopped the plugin: it was still busy with the call.
			return nil, fmt.Errorf("analyzer %s epoch %d: timeout %s: %w", a.m.Name, cp.Epoch, timeout, err)
		}
		return nil, err
	}
	if res == nil {
		res = &sdk.Result{}
	}
	if err := checkResult(a.m, res); err != nil {
		return nil, fmt.Errorf("analyzer %s epoch %d returned %w", a.m.Name, cp.Epoch, err)
	}
	rel := results.EpochRel(a.m.Name, cp.Epoch)
	path := r.art.Path(rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := artifact.WriteNPZ(path, res.Arrays, artifact.WriteOptions{}); err != nil {
		return nil, err
	}
	er := &results.EpochRecord{File: rel, CheckpointSHA256: sha, Seconds: time.Since(t0).Seconds(), Summary: map[string]results.SummaryValue{}}
	for name, t := range res.Summary {
		er.Summary[name] = summaryValue(t)
	}
	return er, nil
}

// endTimeout bounds an analyzer's End call: it only releases resources.
const endTimeout = 30 * time.Second

// checkResult holds a plugin to its analyzer.json: every array it returns is
// declared, with the declared dtype, and every plainly named output is there.
func checkResult(m *registry.AnalyzerManifest, res *sdk.Result) error {
	if err := checkArrays("array", m.Outputs, res.Arrays); err != nil {
		return err
	}
	return checkArrays("summary statistic", m.Summary, res.Summary)
}

func checkArrays(what string, specs []registry.OutputSpec, got map[string]*sdk.Tensor) error {
	for _, name := range sortedKeys(got) {
		t := got[name]
		if t == nil {
			return fmt.Errorf("%s %q with no data", what, name)
		}
		spec, ok := findSpec(specs, name)
		if !ok {
			return fmt.Errorf("undeclared %s %q (%s)", what, name, t)
		}
		if len(spec.DTypes) > 0 && !spec.AcceptsDType(t.DType()) {
			return fmt.Errorf("%s %q as %s, analyzer.json declares %s", what, name, t.DType(), spec.DTypeString())
		}
	}
	for _, s := range specs {
		if strings.ContainsAny(s.Name, "<*?") {
			continue
		}
		if _, ok := got[s.Name]; !ok {
			return fmt.Errorf("no %s %q, which analyzer.json declares", what, s.Name)
		}
	}
	return nil
}

func findSpec(specs []registry.OutputSpec, name string) (registry.OutputSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	for _, s := range specs {
		if s.Matches(name) {
			return s, true
		}
	}
	return registry.OutputSpec{}, false
}

// flush writes the manifest and every analyzer's summary.npz.
func (r *Run) flush(man *results.Manifest, per []*active) error {
	for _, a := range per {
		if err := r.writeSummary(record(man, a.m.Name), a.m.Name); err != nil {
			return err
		}
	}
	return saveManifest(man, r.ManifestPath())
}

// writeSummary stacks an analyzer's per-epoch statistics into summary.npz,
// with an "epochs" array. Epochs missing a statistic are left out of it.
func (r *Run) writeSummary(rec *results.AnalyzerRecord, name string) error {
	epochs := rec.CompletedEpochs()
	arrays := map[string]*sdk.Tensor{}
	names := map[string]bool{}
	for _, e := range epochs {
		for k := range rec.Epochs[e].Summary {
			names[k] = true
		}
	}
	if len(names) == 0 {
		return nil
	}
	var used []int64
	for _, e := range epochs {
		used = append(used, int64(e))
	}
	for k := range names {
		var ts []*sdk.Tensor
		for _, e := range epochs {
			v, ok := rec.Epochs[e].Summary[k]
			if !ok {
				return fmt.Errorf("analyzer %s: summary %q missing at epoch %d", name, k, e)
			}
			t, err := v.Tensor()
			if err != nil {
				return fmt.Errorf("analyzer %s: summary %q at epoch %d: %w", name, k, e, err)
			}
			ts = append(ts, t)
		}
		st, err := results.Stack(ts)
		if err != nil {
			return fmt.Errorf("analyzer %s: summary %q changes shape across epochs: %w", name, k, err)
		}
		arrays[k] = st
	}
	arrays["epochs"] = sdk.FromInt64(used, len(used))
	path := r.art.SummaryPath(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return artifact.WriteNPZ(path, arrays, artifact.WriteOptions{})
}
