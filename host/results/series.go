package results

import "fmt"

// Series reads one statistic of the named analyzer's summary.npz as a
// scalar per epoch: the file's epochs and the values. index fixes the
// statistic's per-epoch axes; a statistic with more than one value per epoch
// after it is an ErrSelection error. Only the "epochs" entry and the
// statistic's entry are read. An analyzer without a summary, or a summary
// without the statistic, is an ErrNotFound error naming what the file holds.
func (r *Reader) Series(analyzer, name string, index []int) (epochs, vals []float64, err error) {
	f, err := r.OpenSummary(analyzer)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	ep, err := f.Read("epochs")
	if err != nil {
		return nil, nil, err
	}
	t, err := f.Read(name)
	if err != nil {
		return nil, nil, err
	}
	epochs = ep.AsFloat64()
	n := len(epochs)
	if t.Rank() == 0 || t.Shape()[0] != n {
		return nil, nil, fmt.Errorf("%s: series %s has shape %v but there are %d epochs", f.Path(), name, t.Shape(), n)
	}
	per := t.Shape()[1:]
	if len(index) != len(per) {
		return nil, nil, fmt.Errorf("%w: series %s has per-epoch shape %v: give an index of %d entries to pick one value per epoch (got %d)", ErrSelection, name, per, len(per), len(index))
	}
	off, err := Offset(per, index)
	if err != nil {
		return nil, nil, fmt.Errorf("series %s: %w", name, err)
	}
	stride := t.Len() / max(1, n)
	all := t.AsFloat64()
	vals = make([]float64, n)
	for i := range vals {
		vals[i] = all[i*stride+off]
	}
	return epochs, vals, nil
}
