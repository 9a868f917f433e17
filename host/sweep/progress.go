package sweep

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/analysis"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/host/variant"
)

// Progress is how far a variant has come, read from the results tree.
type Progress struct {
	// Exists says the variant folder holds a metadata.json.
	Exists bool `json:"exists"`
	// Epochs is the run's target and EpochsDone the epochs saved so far.
	Epochs     int  `json:"epochs"`
	EpochsDone int  `json:"epochs_done"`
	Trained    bool `json:"trained"`
	// Analyzers counts the sweep's analyzers; AnalyzersDone those whose
	// artifacts are up to date for every checkpoint.
	Analyzers     int `json:"analyzers"`
	AnalyzersDone int `json:"analyzers_done"`
	// Failures counts the analyzer failures the manifest records.
	Failures int `json:"failures"`
	// Complete: trained, and every analyzer up to date without failures.
	Complete bool `json:"complete"`
}

// String is the progress in a few words: "train 20/50", "analyze 1/3",
// "complete".
func (p Progress) String() string {
	switch {
	case !p.Exists:
		return "not started"
	case p.Complete:
		return "complete"
	case !p.Trained:
		return fmt.Sprintf("train %d/%d", p.EpochsDone, p.Epochs)
	case p.Failures > 0:
		return fmt.Sprintf("analyze %d/%d, %d failures", p.AnalyzersDone, p.Analyzers, p.Failures)
	}
	return fmt.Sprintf("analyze %d/%d", p.AnalyzersDone, p.Analyzers)
}

// VariantProgress reads variant name of family from the results folder,
// judging its analysis against analyzers. A variant never created is no
// error: its progress says so.
func VariantProgress(results, family, name string, analyzers []*registry.AnalyzerManifest) (Progress, error) {
	p := Progress{Analyzers: len(analyzers)}
	dir := filepath.Join(results, family, name)
	if _, err := os.Stat(filepath.Join(dir, variant.MetadataFile)); errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	v, err := variant.Open(results, family, name)
	if err != nil {
		return p, err
	}
	m, err := v.Metadata()
	if err != nil {
		return p, err
	}
	p.Exists, p.Epochs, p.EpochsDone = true, m.NumEpochs, m.EpochsCompleted
	st, err := v.State()
	if err != nil {
		return p, err
	}
	if st == variant.Untrained {
		return p, nil
	}
	p.Trained = true
	if st != variant.Analyzed {
		return p, nil
	}
	if len(analyzers) == 0 {
		// Nothing to judge the analysis against (the analyzers are not
		// installed here): an analyzed variant counts as complete.
		p.Complete = true
		return p, nil
	}
	stats, err := analysis.Status(v, analyzers)
	if err != nil {
		return p, err
	}
	for _, a := range stats {
		p.Failures += len(a.Failed)
		if a.Cross == "done" || a.Cross == "" && len(a.Missing)+len(a.Stale) == 0 && len(a.Done) > 0 {
			p.AnalyzersDone++
		}
	}
	p.Complete = p.AnalyzersDone == p.Analyzers && p.Failures == 0
	return p, nil
}
