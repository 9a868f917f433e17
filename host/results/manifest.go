package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/tdw-workbench/tdw/sdk"
)

// ManifestFormat is the version of manifest.json this tdw writes; it reads
// this one and every older one. A manifest of a newer format is refused
// rather than misread. Format 2 added the run's failures count, its
// COMPLETE_WITH_ERRORS and FAILED states, each epoch file's bytes, sha256
// and inputs_key, and non-finite summary values written as strings: a tdw
// that reads format 1 would take those for a malformed file. Format 3 added
// the probe the analyses are over (Manifest.Probe).
const ManifestFormat = 3

// State is an analysis run's state, as recorded in the manifest.
type State string

// Analysis run states (the domain model's AnalysisRunState).
const (
	NotStarted State = "NOT_STARTED"
	InProgress State = "IN_PROGRESS"
	// Complete: the last run computed (or found up to date) every requested
	// analyzer at every requested epoch.
	Complete State = "COMPLETE"
	// CompleteWithErrors: the last run went through, but some analyzers
	// failed at some epochs (Manifest.Failures counts them; each record's
	// errors say why). The others' artifacts are complete.
	CompleteWithErrors State = "COMPLETE_WITH_ERRORS"
	// Terminated: stopped by Ctrl-C or SIGTERM; finished work is kept.
	Terminated State = "TERMINATED"
	// Failed: the run itself stopped on an error (not an analyzer's: e.g.
	// the disk); finished work is kept and a rerun continues it.
	Failed State = "FAILED"
)

// Manifest is analysis/manifest.json: what every analyzer has computed for a
// variant, from which checkpoint, and what failed. It is the record of
// completion: an epoch file on disk that the manifest does not list is
// recomputed (it may have been written after the last flush).
// docs/formats/analysis.md documents the format; host/analysis writes it.
type Manifest struct {
	Format  int    `json:"format_version"`
	Family  string `json:"family"`
	Variant string `json:"variant"`
	State   State  `json:"state"`
	// Failures counts the last run's failures: one per analyzer and epoch
	// that failed, one for an analyzer that could not start or whose
	// cross-epoch step failed.
	Failures int       `json:"failures,omitempty"`
	Updated  time.Time `json:"updated"`
	// Probe is the probe every record was computed over (its name and
	// sha256, host/probe); nil in a manifest written before probes were
	// recorded, whose analyses are over the family's default probe. A run
	// over a probe with another sha256 drops every record.
	Probe     *ProbeRef                  `json:"probe,omitempty"`
	Analyzers map[string]*AnalyzerRecord `json:"analyzers"`
}

// ProbeRef names a probe and the sha256 that identifies its content.
type ProbeRef struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

// AnalyzerRecord is one analyzer's part of the manifest.
type AnalyzerRecord struct {
	Version string   `json:"version"`
	Kind    sdk.Kind `json:"kind"`
	// SettingsKey identifies the analyzer's parameter values; artifacts
	// computed under other settings are stale.
	SettingsKey string     `json:"settings_key"`
	Settings    sdk.Params `json:"settings,omitempty"`
	// Outputs describe the arrays last written, by name.
	Outputs map[string]ArrayInfo `json:"outputs,omitempty"`
	// Epochs holds each completed epoch, keyed by epoch number.
	Epochs map[int]*EpochRecord `json:"epochs,omitempty"`
	// Errors holds the last failure per epoch ("cross_epoch" uses epoch -1).
	Errors map[int]string `json:"errors,omitempty"`
	// Cross is set for a cross-epoch analyzer once it has run.
	Cross *CrossRecord `json:"cross_epoch,omitempty"`
	// NotApplicable says why the last run skipped the analyzer (the
	// model lacks a site it requires, the probe a context entry it
	// declares, or an input analyzer was skipped); empty when it ran.
	NotApplicable string `json:"not_applicable,omitempty"`
}

// ArrayInfo is an array's dtype and shape.
type ArrayInfo struct {
	DType sdk.DType `json:"dtype"`
	Shape []int     `json:"shape"`
}

// EpochRecord says how one epoch's artifact was computed.
type EpochRecord struct {
	File             string  `json:"file"`
	CheckpointSHA256 string  `json:"checkpoint_sha256"`
	Seconds          float64 `json:"seconds"`
	// Bytes and SHA256 describe the artifact file as written; a file that
	// no longer matches (truncated, overwritten) is recomputed. Absent in
	// manifests written before tdw recorded them.
	Bytes  int64  `json:"bytes,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// InputsKey identifies, for a secondary analyzer, the source artifacts
	// the epoch was computed from; other sources make it stale.
	InputsKey string `json:"inputs_key,omitempty"`
	// Summary holds the analyzer's per-epoch statistics; summary.npz is
	// rebuilt from these, so a resumed run loses none of them.
	Summary map[string]SummaryValue `json:"summary,omitempty"`
}

// SummaryValue is one per-epoch statistic: a small array kept in JSON.
type SummaryValue struct {
	DType  sdk.DType `json:"dtype"`
	Shape  []int     `json:"shape"`
	Values []float64 `json:"values"`
}

// CrossRecord says how a cross-epoch artifact was computed.
type CrossRecord struct {
	File    string  `json:"file"`
	Seconds float64 `json:"seconds"`
	// InputsKey identifies the inputs it was computed from (the epochs and
	// versions of the artifacts it read); other inputs make it stale.
	InputsKey string `json:"inputs_key"`
}

// NewManifest returns an empty manifest for a variant: what a variant that
// was never analyzed has.
func NewManifest(family, variant string) *Manifest {
	return &Manifest{Format: ManifestFormat, Family: family, Variant: variant, State: NotStarted,
		Analyzers: map[string]*AnalyzerRecord{}}
}

// loadManifest parses the manifest at path (which must exist). A malformed
// or newer-format file gives an error naming the file.
func loadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: malformed manifest: %w (move it aside to start the analysis over)", path, err)
	}
	if m.Format > ManifestFormat {
		return nil, fmt.Errorf("%s: manifest format %d is newer than this tdw reads (%d)", path, m.Format, ManifestFormat)
	}
	if m.Analyzers == nil {
		m.Analyzers = map[string]*AnalyzerRecord{}
	}
	for name, r := range m.Analyzers {
		if r == nil {
			return nil, fmt.Errorf("%s: analyzers.%s is null", path, name)
		}
		if r.Epochs == nil {
			r.Epochs = map[int]*EpochRecord{}
		}
		if r.Errors == nil {
			r.Errors = map[int]string{}
		}
	}
	return &m, nil
}

// Analyzer returns the named analyzer's record, or an ErrNotFound error
// naming the analyzers the manifest has.
func (m *Manifest) Analyzer(name string) (*AnalyzerRecord, error) {
	rec, ok := m.Analyzers[name]
	if !ok {
		return nil, notFound("variant %s has no artifacts of analyzer %s (it has %v)", m.Variant, name, m.Names())
	}
	return rec, nil
}

// Names returns the analyzers the manifest has a record of, sorted.
func (m *Manifest) Names() []string {
	names := make([]string, 0, len(m.Analyzers))
	for n := range m.Analyzers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CompletedEpochs returns the epochs the record lists, ascending.
func (r *AnalyzerRecord) CompletedEpochs() []int {
	out := make([]int, 0, len(r.Epochs))
	for e := range r.Epochs {
		out = append(out, e)
	}
	sort.Ints(out)
	return out
}

// Tensor converts a summary value back to a tensor of its dtype. Values
// round-trip exactly for every dtype a summary may hold (float64 holds any
// float32, float16 or int32 exactly).
func (s SummaryValue) Tensor() (*sdk.Tensor, error) {
	if !s.DType.Valid() {
		return nil, fmt.Errorf("unknown dtype %q", s.DType)
	}
	if sdk.NumElements(s.Shape) != len(s.Values) {
		return nil, fmt.Errorf("%d values for shape %v", len(s.Values), s.Shape)
	}
	t := sdk.NewTensor(s.DType, s.Shape...)
	setFromFloat64(t, s.Values)
	return t, nil
}
