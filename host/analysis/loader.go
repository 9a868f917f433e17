package analysis

import (
	"fmt"
	"path/filepath"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/sdk"
)

// Loader is the domain model's ArtifactLoader: it reads what analysis runs
// wrote under one variant's analysis/ folder, trusting only what the
// manifest records as complete.
type Loader struct {
	dir string
}

// NewLoader returns a loader over a variant's analysis folder.
func NewLoader(dir string) *Loader { return &Loader{dir: dir} }

func (l *Loader) manifest() (*Manifest, error) {
	return LoadManifest(filepath.Join(l.dir, ManifestFile), "", "")
}

func (l *Loader) record(name string) (*Manifest, *AnalyzerRecord, error) {
	m, err := l.manifest()
	if err != nil {
		return nil, nil, err
	}
	rec, ok := m.Analyzers[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no artifacts of analyzer %q (have %v)", filepath.Join(l.dir, ManifestFile), name, sortedKeys(m.Analyzers))
	}
	return m, rec, nil
}

// ListAvailable returns the analyzers with at least one completed artifact,
// sorted.
func (l *Loader) ListAvailable() ([]string, error) {
	m, err := l.manifest()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range sortedKeys(m.Analyzers) {
		rec := m.Analyzers[name]
		if len(rec.Epochs) > 0 || rec.Cross != nil {
			out = append(out, name)
		}
	}
	return out, nil
}

// Epochs returns the epochs the named analyzer has artifacts for, ascending.
func (l *Loader) Epochs(name string) ([]int, error) {
	_, rec, err := l.record(name)
	if err != nil {
		return nil, err
	}
	return rec.CompletedEpochs(), nil
}

// LoadEpoch reads one epoch's arrays of the named analyzer: the given fields,
// or all of them when none are given. Only the entries asked for are read.
func (l *Loader) LoadEpoch(name string, epoch int, fields ...string) (map[string]*sdk.Tensor, error) {
	_, rec, err := l.record(name)
	if err != nil {
		return nil, err
	}
	er, ok := rec.Epochs[epoch]
	if !ok {
		return nil, fmt.Errorf("analyzer %s has no artifact for epoch %d (has %d epochs)", name, epoch, len(rec.Epochs))
	}
	return readFields(filepath.Join(l.dir, er.File), fields)
}

func readFields(path string, fields []string) (map[string]*sdk.Tensor, error) {
	z, err := artifact.OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	if len(fields) == 0 {
		return z.ReadAll()
	}
	out := make(map[string]*sdk.Tensor, len(fields))
	for _, f := range fields {
		t, err := z.Read(f)
		if err != nil {
			return nil, err
		}
		out[f] = t
	}
	return out, nil
}

// Load returns the named analyzer's arrays stacked over every completed
// epoch (leading axis = epoch), restricted to fields when given. An array
// whose shape changes across epochs is an error naming it.
func (l *Loader) Load(name string, fields ...string) (*sdk.Stacked, error) {
	_, rec, err := l.record(name)
	if err != nil {
		return nil, err
	}
	epochs := rec.CompletedEpochs()
	if len(epochs) == 0 {
		return nil, fmt.Errorf("analyzer %s has no per-epoch artifacts", name)
	}
	per := make([]map[string]*sdk.Tensor, len(epochs))
	for i, e := range epochs {
		if per[i], err = readFields(filepath.Join(l.dir, rec.Epochs[e].File), fields); err != nil {
			return nil, err
		}
	}
	out := &sdk.Stacked{Epochs: epochs, Arrays: map[string]*sdk.Tensor{}}
	for _, k := range sortedKeys(per[0]) {
		ts := make([]*sdk.Tensor, len(per))
		for i := range per {
			t, ok := per[i][k]
			if !ok {
				return nil, fmt.Errorf("analyzer %s: array %q missing at epoch %d", name, k, epochs[i])
			}
			ts[i] = t
		}
		st, err := Stack(ts)
		if err != nil {
			return nil, fmt.Errorf("analyzer %s: array %q: %w", name, k, err)
		}
		out.Arrays[k] = st
	}
	return out, nil
}

// Summary returns the named analyzer's per-epoch statistics stacked over
// epochs, from summary.npz (whose "epochs" array becomes Epochs).
func (l *Loader) Summary(name string) (*sdk.Stacked, error) {
	all, err := artifact.ReadNPZ(filepath.Join(l.dir, name, SummaryFile))
	if err != nil {
		return nil, err
	}
	ep, ok := all["epochs"]
	if !ok {
		return nil, fmt.Errorf("%s: no epochs array", filepath.Join(l.dir, name, SummaryFile))
	}
	delete(all, "epochs")
	var epochs []int
	for _, e := range ep.AsFloat64() {
		epochs = append(epochs, int(e))
	}
	return &sdk.Stacked{Epochs: epochs, Arrays: all}, nil
}

// CrossEpoch returns the named cross-epoch analyzer's arrays.
func (l *Loader) CrossEpoch(name string) (map[string]*sdk.Tensor, error) {
	_, rec, err := l.record(name)
	if err != nil {
		return nil, err
	}
	if rec.Cross == nil {
		return nil, fmt.Errorf("analyzer %s has no cross-epoch artifact", name)
	}
	return artifact.ReadNPZ(filepath.Join(l.dir, rec.Cross.File))
}
