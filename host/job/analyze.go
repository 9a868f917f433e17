package job

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/outcome"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// AnalyzeRequest asks for analyzers to run over a trained variant's
// checkpoints, as `tdw-host analyze` does.
type AnalyzeRequest struct {
	// Family is the family's name.
	Family string `json:"family"`
	// Variant is the variant's folder name; when empty, Preset and Params
	// name it as for TrainRequest.
	Variant string            `json:"variant,omitempty"`
	Preset  string            `json:"preset,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
	// Analyzers are the analyzers to run (nil: the family's default set).
	Analyzers []string `json:"analyzers,omitempty"`
	// Checkpoints are the epochs to analyze (nil: every checkpoint).
	Checkpoints []int `json:"checkpoints,omitempty"`
	// Probe names the probe the checkpoints are run on: one the variant
	// holds or its family declares ("": the variant's default probe). The
	// variant summary is brought up to date only over the default probe.
	Probe string `json:"probe,omitempty"`
	// Settings override analyzer parameters: analyzer → parameter → value.
	Settings map[string]map[string]string `json:"settings,omitempty"`
	// Force recomputes artifacts that are up to date.
	Force bool `json:"force,omitempty"`
	// SaveEvery flushes the manifest every this many checkpoints (0: 1).
	SaveEvery int `json:"save_every,omitempty"`
	// AllowLarge runs the analysis even when its estimate exceeds the
	// machine's available memory or free disk (estimate.go).
	AllowLarge bool `json:"allow_large,omitempty"`
}

// analyzePlan is a resolved AnalyzeRequest.
type analyzePlan struct {
	fam       *registry.FamilyManifest
	v         *variant.Variant
	analyzers []*registry.AnalyzerManifest
	cfg       analysis.Config
}

// plan resolves r: the family, the variant (which must exist), the
// analyzers and their settings.
func (r AnalyzeRequest) plan(env Env) (*analyzePlan, error) {
	fam, err := env.family(r.Family)
	if err != nil {
		return nil, err
	}
	p := &analyzePlan{fam: fam}
	name := r.Variant
	if name != "" {
		if len(r.Params) > 0 || r.Preset != "" {
			return nil, requestErrorf("params", "give params (and preset) or variant, not both")
		}
		if err := registry.SafePathComponent(name); err != nil {
			return nil, requestErrorf("variant", "%q: %v", name, err)
		}
	} else {
		params, err := fam.ResolveParams(r.Preset, r.Params)
		if err != nil {
			field := "params"
			if _, ok := fam.Presets[r.Preset]; r.Preset != "" && !ok {
				field = "preset"
			}
			return nil, &RequestError{Field: field, Err: err}
		}
		if name, err = fam.VariantPattern.Name(params); err != nil {
			return nil, &RequestError{Field: "params", Err: err}
		}
	}
	if p.v, err = variant.Open(env.Results, fam.Name, name); err != nil {
		return nil, &RequestError{Field: "variant", Err: err}
	}
	if p.analyzers, err = selectAnalyzers(env, fam, r.Analyzers); err != nil {
		return nil, err
	}
	if r.SaveEvery < 0 {
		return nil, requestErrorf("save_every", "%d: want at least 1", r.SaveEvery)
	}
	p.cfg = analysis.Config{Force: r.Force, SaveEvery: max(r.SaveEvery, 1)}
	if p.cfg.Probe, err = checkProbe(fam, p.v, r.Probe); err != nil {
		return nil, err
	}
	if p.cfg.Checkpoints, err = r.checkpoints(p.v); err != nil {
		return nil, err
	}
	if p.cfg.Settings, err = r.settings(p.analyzers); err != nil {
		return nil, err
	}
	return p, nil
}

// checkpoints checks the requested epochs against the variant's checkpoint
// files and returns them ascending and distinct, as analysis.Config holds
// them (nil: every checkpoint).
func (r AnalyzeRequest) checkpoints(v *variant.Variant) ([]int, error) {
	if r.Checkpoints == nil {
		return nil, nil
	}
	have, err := v.Checkpoints()
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(r.Checkpoints)) // empty, not nil: no epochs
	for _, e := range r.Checkpoints {
		if e < 0 {
			return nil, requestErrorf("checkpoints", "%d is not an epoch", e)
		}
		if !slices.Contains(have, e) {
			return nil, requestErrorf("checkpoints", "variant %s has no checkpoint for epoch %d (%s)", v.Name, e, v.CheckpointPath(e))
		}
		out = append(out, e)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// settings checks the requested settings, so that a typo is refused before
// anything runs: each must name an analyzer of the run and its parameters,
// or the variant summary (SummarySettings) and its settings.
// It returns them parsed, as analysis.Config holds them.
func (r AnalyzeRequest) settings(analyzers []*registry.AnalyzerManifest) (map[string]sdk.Params, error) {
	if r.Settings == nil {
		return nil, nil
	}
	out := make(map[string]sdk.Params, len(r.Settings))
	for an, given := range r.Settings {
		if an == SummarySettings {
			if _, err := outcome.ParseSettings(outcome.DefaultSettings(), given); err != nil {
				return nil, &RequestError{Field: "settings", Err: err}
			}
			continue
		}
		i := slices.IndexFunc(analyzers, func(m *registry.AnalyzerManifest) bool { return m.Name == an })
		if i < 0 {
			return nil, requestErrorf("settings", "analyzer %q is not in this run", an)
		}
		p, err := registry.ParseParams(analyzers[i].Parameters, given)
		if err != nil {
			return nil, requestErrorf("settings", "analyzer %s: %v", an, err)
		}
		out[an] = p
	}
	return out, nil
}

// selectAnalyzers resolves the analyzers of a run: the named ones, or the
// family's default set; cross-epoch analyzers come with the per-checkpoint
// ones they read when those are installed.
func selectAnalyzers(env Env, fam *registry.FamilyManifest, names []string) ([]*registry.AnalyzerManifest, error) {
	if env.Analyzers == nil {
		return nil, requestErrorf("analyzers", "no analyzers are installed")
	}
	if len(names) == 0 {
		return env.Analyzers.ForFamily(fam)
	}
	var out []*registry.AnalyzerManifest
	for _, n := range names {
		m, err := env.Analyzers.Get(n)
		if err != nil {
			return nil, &RequestError{Field: "analyzers", Err: err}
		}
		if !m.AcceptsFamily(fam.Name) {
			return nil, requestErrorf("analyzers", "%s does not apply to family %s (its analyzer.json lists %v)", m.Name, fam.Name, m.Families)
		}
		out = append(out, m)
	}
	return out, nil
}

// VariantKey returns family/variant for the variant r analyzes, or the
// request's error.
func (r AnalyzeRequest) VariantKey(env Env) (string, error) {
	p, err := r.plan(env)
	if err != nil {
		return "", err
	}
	return p.fam.Name + "/" + p.v.Name, nil
}

// Analyze runs r's analyzers over the variant's checkpoints: it resolves
// the request, launches the family plugin and executes an analysis.Run,
// then brings the variant summary up to date (outcome.Update), calling
// progress (if not nil) after every step. The report comes back
// even with an error (failing analyzers are recorded in it and the error
// wraps analysis.ErrFailures). Cancelling ctx stops after the checkpoint in
// hand and keeps finished work; the error then says so. A bad request
// returns a *RequestError; an analysis whose estimate exceeds the machine's
// memory or disk a *TooLargeError unless r.AllowLarge.
func Analyze(ctx context.Context, env Env, r AnalyzeRequest, progress func(analysis.Progress)) (*analysis.Report, error) {
	p, err := r.plan(env)
	if err != nil {
		return nil, err
	}
	plugin, err := env.launchFamily(ctx, p.fam)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()
	if !r.AllowLarge {
		if err := checkEstimate(env, func() (*Estimate, error) { return p.estimate(ctx, env, plugin) }); err != nil {
			return nil, err
		}
	}
	run := analysis.New(p.v, plugin, p.cfg, analysis.Options{
		Launch:       analysis.PluginLauncher(env.pluginOptions()),
		Logger:       env.logger(),
		Progress:     progress,
		ShapeSymbols: p.fam.ShapeSymbols,
		Family:       p.fam,
	})
	for _, m := range p.analyzers {
		run.Register(m)
	}
	rep, err := run.Execute(ctx)
	if p.cfg.Probe == "" { // the outcome summary reads the default probe's artifacts
		if serr := summarize(p, r, err, progress); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if err != nil && errors.Is(err, context.Canceled) {
		err = &interruptedError{variant: p.v.Name, cause: err}
	}
	return rep, err
}

// AnalyzeLine is the one-line text of an analysis progress report.
func AnalyzeLine(p analysis.Progress) string {
	line := fmt.Sprintf("%s %d/%d", p.Phase, p.Done, p.Total)
	if p.Phase == "analyze" {
		line += fmt.Sprintf("  epoch %d", p.Epoch)
	}
	line += fmt.Sprintf("  elapsed %s", roundSecond(p.Elapsed))
	if p.ETA > 0 {
		line += fmt.Sprintf("  ETA %s", roundSecond(p.ETA))
	}
	return line
}

// ReportLine summarizes an analysis report in one line.
func ReportLine(rep *analysis.Report) string {
	computed, upToDate, failed, skipped := 0, 0, 0, 0
	for _, a := range rep.Analyzers {
		computed += a.Computed
		upToDate += a.UpToDate
		failed += len(a.Failures)
		if a.Skipped != "" {
			skipped++
		}
	}
	line := fmt.Sprintf("%d analyzers: %d artifacts computed, %d up to date, %d failures", len(rep.Analyzers), computed, upToDate, failed)
	if skipped > 0 {
		line += fmt.Sprintf(", %d skipped (not applicable to the probe)", skipped)
	}
	return line + fmt.Sprintf(" (%s)", rep.Elapsed.Round(time.Millisecond))
}

func roundSecond(d time.Duration) time.Duration { return d.Round(time.Second) }
