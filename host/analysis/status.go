package analysis

import (
	"github.com/tdw-workbench/tdw/host/probe"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// epochFresh reports whether rec, the record of analyzer name, holds an
// up-to-date artifact of epoch, computed from the checkpoint with hash sha,
// with the file still on disk as written: its size, and with verify its
// sha256 (a run verifies before it skips an epoch; a status only stats).
// The record's version and settings are checked by the caller.
func epochFresh(art *results.Artifacts, name string, rec *results.AnalyzerRecord, epoch int, sha string, verify bool) bool {
	er, ok := rec.Epochs[epoch]
	return ok && er.CheckpointSHA256 == sha && art.EpochIntact(name, epoch, er, verify)
}

// recordCurrent reports whether rec was computed by this version of the
// analyzer with these settings.
func recordCurrent(rec *results.AnalyzerRecord, m *registry.AnalyzerManifest, key string) bool {
	return rec.Version == m.Version && rec.SettingsKey == key && rec.Kind == m.Kind
}

// ArtifactStatus says, for one analyzer of a variant, which checkpoints have
// up-to-date artifacts and which do not.
type ArtifactStatus struct {
	Name    string
	Kind    string
	Version string // the installed version
	Done    []int  // up to date
	Missing []int  // never computed (or their file is gone)
	Stale   []int  // computed from another checkpoint, version or settings
	Failed  map[int]string
	// Settings are the parameter values the recorded artifacts were computed
	// with, when they differ from the analyzer's defaults (nil otherwise); a
	// rerun without --set keeps them.
	Settings sdk.Params
	// Cross is "done", "missing" or "stale" for a cross-epoch analyzer.
	Cross string
	// NotApplicable is why the last run skipped the analyzer (the
	// manifest's not_applicable); empty when it ran or never was run.
	NotApplicable string
}

// Status compares a variant's artifacts over its default probe with its
// checkpoints and the installed analyzers, without running anything.
// Settings are judged as a rerun without --set would: the recorded ones
// when the installed version still accepts them, else the defaults.
func Status(v *variant.Variant, analyzers []*registry.AnalyzerManifest) ([]ArtifactStatus, error) {
	return ProbeStatus(v, results.For(v), analyzers)
}

// ProbeStatus is Status over the analyses in art, one probe's folder
// (results.ForProbe; results.For for the default probe). Every artifact
// computed over another content of the probe than the one probes.json
// records (another sha256) is stale.
func ProbeStatus(v *variant.Variant, art *results.Artifacts, analyzers []*registry.AnalyzerManifest) ([]ArtifactStatus, error) {
	man, err := loadManifest(art, v)
	if err != nil {
		return nil, err
	}
	probeCurrent, err := manifestProbeCurrent(v, art, man)
	if err != nil {
		return nil, err
	}
	epochs, err := v.Checkpoints()
	if err != nil {
		return nil, err
	}
	hashes := map[int]string{}
	if meta, err := v.Metadata(); err == nil {
		for _, c := range meta.Checkpoints {
			hashes[c.Epoch] = c.SHA256
		}
	}
	var cfg Config
	var out []ArtifactStatus
	for _, m := range analyzers {
		rec, ok := man.Analyzers[m.Name]
		p, key, sticky, err := cfg.settingsFor(m, rec)
		if err != nil {
			return nil, err
		}
		// Computed by this version, with these settings, over this probe.
		current := ok && probeCurrent && recordCurrent(rec, m, key)
		st := ArtifactStatus{Name: m.Name, Kind: string(m.Kind), Version: m.Version, Failed: map[int]string{}}
		if ok && rec.NotApplicable != "" {
			st.NotApplicable = rec.NotApplicable
			out = append(out, st)
			continue
		}
		if sticky && !defaultSettings(m, key) {
			st.Settings = p
		}
		if m.Kind == "cross-epoch" {
			switch {
			case !ok || rec.Cross == nil || !art.CrossOnDisk(m.Name):
				st.Cross = "missing"
			case !current:
				st.Cross = "stale"
			default:
				st.Cross = "done"
			}
			if ok && rec.Errors[-1] != "" {
				st.Failed[-1] = rec.Errors[-1]
			}
			out = append(out, st)
			continue
		}
		for _, e := range epochs {
			switch {
			case !ok:
				st.Missing = append(st.Missing, e)
			case !current:
				st.Stale = append(st.Stale, e)
			case epochFresh(art, m.Name, rec, e, hashes[e], false):
				st.Done = append(st.Done, e)
			case rec.Epochs[e] != nil && art.EpochOnDisk(m.Name, e):
				st.Stale = append(st.Stale, e)
			default:
				st.Missing = append(st.Missing, e)
			}
			if ok && rec.Errors[e] != "" {
				st.Failed[e] = rec.Errors[e]
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// manifestProbeCurrent reports whether man's records were computed over the
// content of the probe that art's folder is for, as probes.json records it
// now. A manifest written before probes were recorded is over the default
// probe; one of a probe probes.json does not record (yet) counts as current.
func manifestProbeCurrent(v *variant.Variant, art *results.Artifacts, man *results.Manifest) (bool, error) {
	ix, err := probe.ReadIndex(v)
	if err != nil {
		return false, err
	}
	name := art.Probe()
	if name == "" {
		name = ix.Default
	}
	rec, recorded := ix.Probes[name]
	switch {
	case !recorded:
		return true, nil
	case man.Probe == nil:
		return name == ix.Default, nil
	}
	return man.Probe.Name == name && man.Probe.SHA256 == rec.SHA256, nil
}

// Partial is the state of a trained variant whose analysis is not complete:
// some analyzer of the set asked about is missing, stale or failed at some
// checkpoint (or its cross-epoch artifact is). `tdw-host artifacts` says
// which.
const Partial variant.State = "PARTIAL"

// VariantState is the variant's state as a researcher reads it: ANALYZED
// only when every analyzer of analyzers (the family's default set) is
// complete and up to date at every checkpoint, PARTIAL when an analysis ran
// but is not; UNTRAINED and TRAINED as variant.State says. The missing and
// stale counts say what a rerun would compute.
func VariantState(v *variant.Variant, analyzers []*registry.AnalyzerManifest) (variant.State, error) {
	st, err := v.State()
	if err != nil || st != variant.Analyzed {
		return st, err
	}
	sts, err := Status(v, analyzers)
	if err != nil {
		return st, err
	}
	for _, a := range sts {
		if len(a.Missing)+len(a.Stale) > 0 || (a.Kind == string(sdk.CrossEpoch) && a.Cross != "done") {
			return Partial, nil
		}
	}
	return variant.Analyzed, nil
}
