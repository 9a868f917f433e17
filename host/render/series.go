package render

import (
	"fmt"
	"os"
	"sort"

	"github.com/tdw-workbench/tdw/host/artifact"
)

// ReadSeries reads one statistic of an analyzer's summary.npz (file) as a
// scalar per epoch: the file's epochs and the values. index fixes the
// statistic's per-epoch axes; a statistic with more than one value per
// epoch after it is an ErrSelection. Only the "epochs" entry and the
// statistic's entry are read. A missing file or statistic is an
// ErrNotFound naming what the file holds.
func ReadSeries(file, name string, index []int) (epochs, vals []float64, err error) {
	z, err := artifact.OpenNPZ(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, fmt.Errorf("%s does not exist: %w", file, ErrNotFound)
		}
		return nil, nil, err
	}
	defer z.Close()
	for _, n := range []string{"epochs", name} {
		if !z.Has(n) {
			names := z.Names()
			sort.Strings(names)
			return nil, nil, fmt.Errorf("%s holds no array %q (it holds %v): %w", file, n, names, ErrNotFound)
		}
	}
	ep, err := z.Read("epochs")
	if err != nil {
		return nil, nil, err
	}
	t, err := z.Read(name)
	if err != nil {
		return nil, nil, err
	}
	epochs = ep.AsFloat64()
	n := len(epochs)
	if t.Rank() == 0 || t.Shape()[0] != n {
		return nil, nil, fmt.Errorf("%s: series %s has shape %v but there are %d epochs", file, name, t.Shape(), n)
	}
	per := t.Shape()[1:]
	if len(index) != len(per) {
		return nil, nil, fmt.Errorf("%w: series %s has per-epoch shape %v: give an index of %d entries to pick one value per epoch (got %d)", ErrSelection, name, per, len(per), len(index))
	}
	off, err := offset(per, index)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: series %s: %v", ErrSelection, name, err)
	}
	stride := t.Len() / max(1, n)
	all := t.AsFloat64()
	vals = make([]float64, n)
	for i := range vals {
		vals[i] = all[i*stride+off]
	}
	return epochs, vals, nil
}
