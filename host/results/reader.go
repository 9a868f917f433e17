package results

import (
	"fmt"
	"sort"

	"github.com/tdw-workbench/tdw/sdk"
)

// Reader reads the artifacts one manifest records as complete: an epoch
// file on disk that the manifest does not list is not read. It is the
// domain model's ArtifactLoader. Create it with Artifacts.Reader or
// Artifacts.With; it is safe for concurrent use while nobody modifies the
// manifest.
type Reader struct {
	a *Artifacts
	m *Manifest
}

// Manifest returns the manifest the reader reads by. Callers must not
// modify it.
func (r *Reader) Manifest() *Manifest { return r.m }

// Artifacts returns the analysis folder the reader reads.
func (r *Reader) Artifacts() *Artifacts { return r.a }

// Record returns the named analyzer's record (Manifest.Analyzer). An
// analyzer the last run skipped and that has no artifact is an ErrNotFound
// error giving the reason.
func (r *Reader) Record(analyzer string) (*AnalyzerRecord, error) {
	rec, err := r.m.Analyzer(analyzer)
	if err != nil {
		return nil, err
	}
	// A record of a skip alone holds no artifact: say why there is none.
	if rec.NotApplicable != "" && len(rec.Epochs) == 0 && rec.Cross == nil {
		return nil, notFound("variant %s has no artifacts of analyzer %s%s: not applicable: %s", r.m.Variant, analyzer, r.a.overProbe(), rec.NotApplicable)
	}
	return rec, nil
}

// ListAvailable returns the analyzers with at least one completed artifact,
// sorted.
func (r *Reader) ListAvailable() []string {
	var out []string
	for _, name := range r.m.Names() {
		rec := r.m.Analyzers[name]
		if len(rec.Epochs) > 0 || rec.Cross != nil {
			out = append(out, name)
		}
	}
	return out
}

// Epochs returns the epochs the named analyzer has artifacts for, ascending.
func (r *Reader) Epochs(analyzer string) ([]int, error) {
	rec, err := r.Record(analyzer)
	if err != nil {
		return nil, err
	}
	return rec.CompletedEpochs(), nil
}

// OpenEpoch opens the named analyzer's artifact of one epoch. An analyzer
// or epoch the manifest does not record, or a file that is gone, is an
// ErrNotFound error.
func (r *Reader) OpenEpoch(analyzer string, epoch int) (*File, error) {
	rec, err := r.Record(analyzer)
	if err != nil {
		return nil, err
	}
	if _, ok := rec.Epochs[epoch]; !ok {
		return nil, notFound("analyzer %s has no artifact at epoch %d (it has %s)", analyzer, epoch, EpochList(rec.CompletedEpochs()))
	}
	return r.a.open(r.a.EpochPath(analyzer, epoch), "")
}

// OpenCross opens the named analyzer's cross-epoch artifact; one the
// manifest does not record is an ErrNotFound error.
func (r *Reader) OpenCross(analyzer string) (*File, error) {
	rec, err := r.Record(analyzer)
	if err != nil {
		return nil, err
	}
	if rec.Cross == nil {
		return nil, notFound("analyzer %s has no cross-epoch artifact", analyzer)
	}
	return r.a.open(r.a.CrossPath(analyzer), "")
}

// OpenSummary opens the named analyzer's summary.npz: its per-epoch
// statistics stacked over epochs, with an "epochs" array. An analyzer the
// manifest does not record, or one that wrote no summary, is an ErrNotFound
// error.
func (r *Reader) OpenSummary(analyzer string) (*File, error) {
	if _, err := r.Record(analyzer); err != nil {
		return nil, err
	}
	p := r.a.SummaryPath(analyzer)
	return r.a.open(p, fmt.Sprintf("analyzer %s has no summary (%s)", analyzer, p))
}

// LoadEpoch reads one epoch's arrays of the named analyzer: the given fields,
// or all of them when none are given. Only the entries asked for are read.
func (r *Reader) LoadEpoch(analyzer string, epoch int, fields ...string) (map[string]*sdk.Tensor, error) {
	f, err := r.OpenEpoch(analyzer, epoch)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadFields(fields...)
}

// Load returns the named analyzer's arrays stacked over every completed
// epoch (leading axis = epoch), restricted to fields when given. An array
// whose shape changes across epochs is an error naming it.
func (r *Reader) Load(analyzer string, fields ...string) (*sdk.Stacked, error) {
	epochs, err := r.Epochs(analyzer)
	if err != nil {
		return nil, err
	}
	if len(epochs) == 0 {
		return nil, notFound("analyzer %s has no per-epoch artifacts", analyzer)
	}
	per := make([]map[string]*sdk.Tensor, len(epochs))
	for i, e := range epochs {
		if per[i], err = r.LoadEpoch(analyzer, e, fields...); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(per[0]))
	for k := range per[0] {
		names = append(names, k)
	}
	sort.Strings(names)
	out := &sdk.Stacked{Epochs: epochs, Arrays: map[string]*sdk.Tensor{}}
	for _, k := range names {
		ts := make([]*sdk.Tensor, len(per))
		for i := range per {
			t, ok := per[i][k]
			if !ok {
				return nil, fmt.Errorf("analyzer %s: array %q missing at epoch %d", analyzer, k, epochs[i])
			}
			ts[i] = t
		}
		st, err := Stack(ts)
		if err != nil {
			return nil, fmt.Errorf("analyzer %s: array %q: %w", analyzer, k, err)
		}
		out.Arrays[k] = st
	}
	return out, nil
}

// Summary returns the named analyzer's per-epoch statistics stacked over
// epochs, from summary.npz (whose "epochs" array becomes Epochs).
func (r *Reader) Summary(analyzer string) (*sdk.Stacked, error) {
	f, err := r.OpenSummary(analyzer)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	all, err := f.ReadFields()
	if err != nil {
		return nil, err
	}
	ep, ok := all["epochs"]
	if !ok {
		return nil, notFound("%s has no epochs array", f.Path())
	}
	delete(all, "epochs")
	var epochs []int
	for _, e := range ep.AsFloat64() {
		epochs = append(epochs, int(e))
	}
	return &sdk.Stacked{Epochs: epochs, Arrays: all}, nil
}

// CrossEpoch returns the named cross-epoch analyzer's arrays.
func (r *Reader) CrossEpoch(analyzer string) (map[string]*sdk.Tensor, error) {
	f, err := r.OpenCross(analyzer)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadFields()
}

// EpochList shortens a list of epochs for a message: all of them up to
// eight, else the first four, the last two and the count.
func EpochList(eps []int) string {
	if len(eps) > 8 {
		return fmt.Sprintf("%v ... %v (%d epochs)", eps[:4], eps[len(eps)-2:], len(eps))
	}
	return fmt.Sprint(eps)
}

// EpochEntry reads one array of the named analyzer's artifact of one epoch
// (OpenEpoch, File.Read).
func (r *Reader) EpochEntry(analyzer string, epoch int, name string) (*sdk.Tensor, error) {
	f, err := r.OpenEpoch(analyzer, epoch)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Read(name)
}

// CrossEntry reads one array of the named analyzer's cross-epoch artifact
// (OpenCross, File.Read).
func (r *Reader) CrossEntry(analyzer, name string) (*sdk.Tensor, error) {
	f, err := r.OpenCross(analyzer)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Read(name)
}
