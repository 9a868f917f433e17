package analysis

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/tdw-workbench/tdw/host/atomicfile"
	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/host/variant"
	"github.com/tdw-workbench/tdw/sdk"
)

// The manifest's format is results.Manifest (host/results reads it); this
// file is its writing side.

// loadManifest reads v's manifest through host/results; a variant never
// analyzed starts from an empty one.
func loadManifest(art *results.Artifacts, v *variant.Variant) (*results.Manifest, error) {
	m, err := art.Manifest()
	if errors.Is(err, fs.ErrNotExist) {
		return results.NewManifest(v.Family, v.Name), nil
	}
	return m, err
}

// saveManifest writes the manifest to path atomically, stamped with this
// format version and the time.
func saveManifest(m *results.Manifest, path string) error {
	m.Format = results.ManifestFormat
	m.Updated = time.Now().UTC().Truncate(time.Millisecond)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}

// record returns the named analyzer's record, creating an empty one.
func record(m *results.Manifest, name string) *results.AnalyzerRecord {
	r := m.Analyzers[name]
	if r == nil {
		r = &results.AnalyzerRecord{Epochs: map[int]*results.EpochRecord{}, Errors: map[int]string{}}
		m.Analyzers[name] = r
	}
	return r
}

// summaryValue converts a summary tensor for the manifest.
func summaryValue(t *sdk.Tensor) results.SummaryValue {
	return results.SummaryValue{DType: t.DType(), Shape: append([]int{}, t.Shape()...), Values: t.AsFloat64()}
}

// oneLine is msg as the manifest records it: one line, a plugin's quoted
// stderr lines joined by " | " (the terminal's log keeps them as they came).
func oneLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, " | ")
}
