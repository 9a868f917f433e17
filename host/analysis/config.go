package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// Config is the domain model's AnalysisRunConfig: which analyzers, over
// which checkpoints, and how. A run trusts it: host/job validates a request
// once and hands over its result.
type Config struct {
	// Checkpoints are the epochs to analyze, ascending and distinct, each
	// with a checkpoint file; nil means every checkpoint on disk.
	Checkpoints []int
	// Settings are analyzer parameters given for this run, by analyzer
	// name, each an analyzer of the run and its complete parameters as
	// registry.ParseParams returns them for its analyzer.json.
	Settings map[string]sdk.Params
	// Probe names the probe the checkpoints are run on (host/probe); "" is
	// the variant's default probe, whose artifacts live in analysis/ itself;
	// any other's live in analysis/probes/{name}/.
	Probe string
	// Force recomputes artifacts that are up to date.
	Force bool
	// SaveEvery flushes the manifest and summaries every this many
	// checkpoints (0: every checkpoint). Work not yet flushed is recomputed
	// after a crash, never lost silently.
	SaveEvery int
}

// settingsFor resolves an analyzer's parameters. Settings given for it in
// the run win (over its analyzer.json defaults). Without any, the settings
// its recorded artifacts were computed with (rec, may be nil) are kept when
// they come from the installed version of the analyzer, which still accepts
// them: a rerun or an extended run after `--set` then neither recomputes nor
// mixes settings across epochs. Otherwise (no record, another version, or
// settings it no longer accepts) the defaults apply. sticky reports that the
// recorded settings were kept.
func (c *Config) settingsFor(m *registry.AnalyzerManifest, rec *results.AnalyzerRecord) (p sdk.Params, key string, sticky bool, err error) {
	p, given := c.Settings[m.Name]
	if !given && rec != nil && rec.Settings != nil && rec.Version == m.Version && rec.Kind == m.Kind {
		if p, err := registry.ValidateParams(m.Parameters, rec.Settings); err == nil {
			if key, err := settingsKey(p); err == nil && key == rec.SettingsKey {
				return p, key, true, nil
			}
		}
	}
	if !given {
		// The defaults; analyzer.json's are valid (registry checked them).
		if p, err = registry.ParseParams(m.Parameters, nil); err != nil {
			return nil, "", false, fmt.Errorf("analyzer %s: %w", m.Name, err)
		}
	}
	key, err = settingsKey(p)
	if err != nil {
		return nil, "", false, fmt.Errorf("analyzer %s: %w", m.Name, err)
	}
	return p, key, false, nil
}

// settingsKey is a stable digest of parameter values (JSON marshals map keys
// sorted).
func settingsKey(p sdk.Params) (string, error) {
	if len(p) == 0 {
		return "", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8]), nil
}

// defaultSettings reports whether key is the settings key of m's defaults.
func defaultSettings(m *registry.AnalyzerManifest, key string) bool {
	var none Config
	_, def, _, err := none.settingsFor(m, nil)
	return err == nil && def == key
}
