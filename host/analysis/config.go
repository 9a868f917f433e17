package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// Config is the domain model's AnalysisRunConfig: which analyzers, over
// which checkpoints, and how.
type Config struct {
	// Checkpoints are the epochs to analyze; nil means every checkpoint on
	// disk. An epoch without a checkpoint file is an error.
	Checkpoints []int
	// Settings override analyzer parameters: analyzer name → parameter name →
	// value as typed on a command line. Unknown names are errors.
	Settings map[string]map[string]string
	// Force recomputes artifacts that are up to date.
	Force bool
	// SaveEvery flushes the manifest and summaries every this many
	// checkpoints (0: every checkpoint). Work not yet flushed is recomputed
	// after a crash, never lost silently.
	SaveEvery int
}

// settingsFor resolves an analyzer's parameters: its analyzer.json defaults
// overridden by the run's settings, validated against their specs.
func (c *Config) settingsFor(m *registry.AnalyzerManifest) (sdk.Params, string, error) {
	given := c.Settings[m.Name]
	p, err := registry.ParseParams(m.Parameters, given)
	if err != nil {
		return nil, "", fmt.Errorf("analyzer %s: %w", m.Name, err)
	}
	key, err := settingsKey(p)
	if err != nil {
		return nil, "", fmt.Errorf("analyzer %s: %w", m.Name, err)
	}
	return p, key, nil
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
