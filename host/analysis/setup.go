package analysis

import (
	"context"
	"errors"
	"fmt"

	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// setup is what one execution gathers before any analyzer runs.
type setup struct {
	man    *results.Manifest
	epochs []int          // the checkpoints the run covers, ascending
	hashes map[int]string // each checkpoint file's sha256, by epoch
	model  sdk.ModelConfig
	// context is the family's analysis context; an analyzer receives the
	// entries it declares.
	context map[string]*sdk.Tensor
	host    *hostService
	// symbols size the names of declared shapes (see ShapeSymbols).
	symbols map[string]int
	// probe names the probe the checkpoints are run on.
	probe string
}

// prepare reads the manifest (tied to the run's probe), the variant's
// metadata, checkpoints and model config, and asks the family for the
// analysis context over the probe.
func (r *Run) prepare(ctx context.Context, rp *runProbe) (*setup, error) {
	man, err := loadManifest(r.art, r.v)
	if err != nil {
		return nil, err
	}
	r.tieManifest(man, rp)
	meta, err := r.v.Metadata()
	if err != nil {
		return nil, err
	}
	epochs, err := r.epochs()
	if err != nil {
		return nil, err
	}
	cfg, err := model.LoadConfig(r.v.ConfigPath())
	if err != nil {
		return nil, err
	}
	hashes := map[int]string{}
	for _, c := range meta.Checkpoints {
		hashes[c.Epoch] = c.SHA256
	}
	for _, e := range epochs {
		if hashes[e] == "" { // a checkpoint metadata.json does not describe
			if hashes[e], err = checkpoint.FileSHA256(r.v.CheckpointPath(e)); err != nil {
				return nil, err
			}
		}
	}
	context_, err := r.probeContext(ctx, rp)
	if err != nil {
		return nil, err
	}
	host, err := newHostService(rp.probe.Dataset, rp.base, meta.TrainIndices, meta.TestIndices)
	if err != nil {
		return nil, fmt.Errorf("variant %s: %w", r.v.Name, err)
	}
	sym := ShapeSymbols(cfg, r.v.Params, rp.probe.Tokens.Shape()[0], r.opts.ShapeSymbols)
	return &setup{man: man, epochs: epochs, hashes: hashes, model: cfg, context: context_, host: host, symbols: sym, probe: rp.probe.Name}, nil
}

// resolveAnalyzers turns every registered analyzer into an active one, its
// settings, inputs and epochs to compute resolved, and adds its report to
// rep. It returns the per-checkpoint and the cross-epoch analyzers.
func (r *Run) resolveAnalyzers(s *setup, rep *Report) (per, sec, cross []*active, err error) {
	ctxKeys := map[string]bool{}
	for k := range s.context {
		ctxKeys[k] = true
	}
	var weightNames []string
	for _, p := range model.ParamSpecs(s.model) {
		weightNames = append(weightNames, p.Name)
	}
	var all []*active
	for _, m := range r.entries {
		a := &active{m: m, todo: map[int]bool{}, rep: &AnalyzerReport{Failures: map[int]string{}}}
		rep.Analyzers[m.Name] = a.rep
		if err := r.activate(s, a, weightNames, ctxKeys); err != nil {
			return nil, nil, nil, err
		}
		all = append(all, a)
	}
	r.skipDependents(all)
	for _, a := range all {
		// The manifest says why an analyzer is not applicable (and forgets
		// it once the analyzer runs); its artifacts, if any, stay.
		if rec := s.man.Analyzers[a.m.Name]; rec != nil || a.rep.Skipped != "" {
			record(s.man, a.m.Name).NotApplicable = a.rep.Skipped
		}
		if a.rep.Skipped != "" {
			r.log.Info("analyzer skipped", "analyzer", a.m.Name, "probe", s.probe, "reason", a.rep.Skipped)
			continue
		}
		switch a.m.Kind {
		case sdk.CrossEpoch:
			cross = append(cross, a)
		case sdk.Secondary:
			sec = append(sec, a)
		default:
			per = append(per, a)
		}
	}
	return per, sec, cross, nil
}

// skipDependents skips every analyzer of the run that reads the artifacts
// of one that is skipped: it would have no input.
func (r *Run) skipDependents(all []*active) {
	byName := map[string]*active{}
	for _, a := range all {
		byName[a.m.Name] = a
	}
	for changed := true; changed; {
		changed = false
		for _, a := range all {
			if a.rep.Skipped != "" {
				continue
			}
			for _, ref := range a.m.Inputs.Artifacts {
				if src, ok := byName[ref.Analyzer]; ok && src.rep.Skipped != "" {
					a.rep.Skipped = fmt.Sprintf("its input %s is not applicable (%s)", ref.Analyzer, src.rep.Skipped)
					changed = true
					break
				}
			}
		}
	}
}

// activate resolves one analyzer's settings and inputs, resets its record
// when it was computed by another version or with other settings, and marks
// the epochs a per-checkpoint analyzer has to compute.
func (r *Run) activate(s *setup, a *active, weightNames []string, ctxKeys map[string]bool) error {
	m := a.m
	var err error
	if a.needs, err = resolveNeeds(m, s.model, weightNames, ctxKeys); err != nil {
		var na *notApplicable
		if errors.As(err, &na) { // its record, if any, stays as it is
			a.rep.Skipped = na.reason
			return nil
		}
		return err
	}
	rec := record(s.man, m.Name)
	var sticky bool
	if a.settings, a.key, sticky, err = r.cfg.settingsFor(m, rec); err != nil {
		return err
	}
	if sticky && !defaultSettings(m, a.key) {
		r.log.Info("keeping the settings the artifacts were computed with (--set to change them)",
			"analyzer", m.Name, "settings", a.settings)
	}
	a.contract = newContract(m, withInts(s.symbols, a.settings))
	if !recordCurrent(rec, m, a.key) {
		// Another version or other settings: nothing recorded still holds.
		*rec = results.AnalyzerRecord{Version: m.Version, Kind: m.Kind, SettingsKey: a.key, Settings: a.settings,
			Epochs: map[int]*results.EpochRecord{}, Errors: map[int]string{}}
	}
	if m.Kind != sdk.PerCheckpoint { // their inputs decide, in their phase
		return nil
	}
	for _, e := range s.epochs {
		if r.cfg.Force || !epochFresh(r.art, m.Name, rec, e, s.hashes[e], true) {
			a.todo[e] = true
		} else {
			a.rep.UpToDate++
		}
	}
	return nil
}

// runInfo is what an analyzer's Begin or AnalyzeAcross is told of the run:
// the variant, its settings, the model and the context entries it declares.
func (r *Run) runInfo(s *setup, a *active) *sdk.Run {
	ctxSub := map[string]*sdk.Tensor{}
	for _, k := range a.needs.context {
		ctxSub[k] = s.context[k]
	}
	return &sdk.Run{Family: r.v.Family, Variant: r.v.Name, Probe: s.probe, Params: r.v.Params, Settings: a.settings,
		Model: s.model, Context: ctxSub, Epochs: s.epochs, Host: s.host}
}
