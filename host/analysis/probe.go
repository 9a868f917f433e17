package analysis

import (
	"context"
	"fmt"

	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// runProbe is the probe a run's checkpoints are run on.
type runProbe struct {
	probe     sdk.Probe // its rows, verified against probes.json
	sha       string    // its sha256, which every record of the run is tied to
	isDefault bool      // the variant's default probe (analysis/ itself)
	// base is the variant's default probe: the rows metadata.json's
	// train_indices and test_indices point into, which the host's
	// Evaluate and Gradient splits are cut from.
	base sdk.Dataset
}

// family returns the run's family.json, or one that declares no probes.
func (r *Run) familyManifest() *registry.FamilyManifest {
	if r.opts.Family != nil {
		return r.opts.Family
	}
	return &registry.FamilyManifest{Name: r.v.Family}
}

// selectProbe records the family's probes the variant does not hold yet
// (a variant trained before probes were recorded gets them here, on first
// use), points the run at the chosen probe's analysis folder and loads the
// probe, refusing one whose files no longer match their recorded sha256.
// The caller holds the variant's lock.
func (r *Run) selectProbe(ctx context.Context) (*runProbe, error) {
	fam := r.familyManifest()
	ix, err := probe.Ensure(ctx, r.v, fam, r.family)
	if err != nil {
		return nil, err
	}
	name := r.cfg.Probe
	if name == "" {
		name = ix.Default
	}
	art, err := results.ForProbe(r.v, fam, name)
	if err != nil {
		return nil, err
	}
	p, rec, err := probe.Load(r.v, name)
	if err != nil {
		return nil, err
	}
	rp := &runProbe{probe: *p, sha: rec.SHA256, isDefault: name == ix.Default, base: p.Dataset}
	if !rp.isDefault {
		d, _, err := probe.Load(r.v, ix.Default)
		if err != nil {
			return nil, err
		}
		rp.base = d.Dataset
	}
	r.art = art
	return rp, nil
}

// probeContext returns the family's analysis context over the run's probe:
// AnalysisContext for the default probe (what every analysis used before
// probes were named), the plugin's ProbeContext for any other. A plugin
// without named probes gives no context for other probes; analyzers that
// declare its entries are skipped. The probe itself is context any analyzer
// may declare, unless the family names entries so: probe_tokens, and
// probe_labels when the probe has labels.
func (r *Run) probeContext(ctx context.Context, rp *runProbe) (map[string]*sdk.Tensor, error) {
	var out map[string]*sdk.Tensor
	var err error
	pf, named := r.family.(sdk.ProbeFamily)
	switch {
	case rp.isDefault:
		out, err = r.family.AnalysisContext(ctx, r.v.Params)
	case named && len(pf.ProbeGenerators()) > 0:
		if out, err = pf.ProbeContext(ctx, r.v.Params, rp.probe); err != nil {
			err = fmt.Errorf("family plugin %s: ProbeContext: %w", r.v.Family, err)
		}
	default:
		r.log.Warn("the family plugin has no named probes, so no analysis context over other probes than its default: analyzers that declare context entries of the family are skipped",
			"probe", rp.probe.Name)
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = map[string]*sdk.Tensor{}
	}
	for k, t := range map[string]*sdk.Tensor{"probe_tokens": rp.probe.Tokens, "probe_labels": rp.probe.Labels} {
		if _, taken := out[k]; !taken && t != nil {
			out[k] = t
		}
	}
	return out, nil
}

// tieManifest ties the manifest to the run's probe. Records computed over
// another probe, or over an earlier content of this one (another sha256),
// are dropped: every artifact is computed again. A manifest written before
// probes were recorded is over the family's default probe, which
// probe.Ensure checked is byte for byte what those analyses used: its
// records stay, and the run records the probe.
func (r *Run) tieManifest(man *results.Manifest, rp *runProbe) {
	ref := &results.ProbeRef{Name: rp.probe.Name, SHA256: rp.sha}
	legacy := man.Probe == nil && rp.isDefault
	if !legacy && (man.Probe == nil || *man.Probe != *ref) && len(man.Analyzers) > 0 {
		was := "an unrecorded probe"
		if man.Probe != nil {
			was = fmt.Sprintf("probe %s with sha256 %.12s", man.Probe.Name, man.Probe.SHA256)
		}
		r.log.Info("the artifacts were computed over another probe content: computing them all again",
			"probe", ref.Name, "sha256", ref.SHA256[:12], "were over", was)
		man.Analyzers = map[string]*results.AnalyzerRecord{}
	}
	man.Probe = ref
}
