package view

import (
	"fmt"

	"github.com/tdw-workbench/tdw/host/results"
	"github.com/tdw-workbench/tdw/sdk"
)

// path builds ANALYZER/path/ARRAY: a cross-epoch (epochs, components)
// array's first two components as a path coloured by epoch (as=scatter3d:
// its first three in 3-D), the request's epoch marked.
func (b *Builder) path(req Request, rd *results.Reader) (*Spec, error) {
	switch req.As {
	case "":
		req.As = "path"
	case "path", "scatter3d":
	default:
		return nil, fmt.Errorf("%w: view %s is drawn as path or scatter3d, not %s", ErrBadView, req.Ref, req.As)
	}
	t, eps, err := trajectory(req.Ref, rd)
	if err != nil {
		return nil, err
	}
	if req.Epoch >= 0 && !containsInt(eps, req.Epoch) {
		return nil, fmt.Errorf("%w: epoch %d is not among the trajectory's epochs %s", results.ErrSelection, req.Epoch, results.EpochList(eps))
	}
	in := arrayInput{analyzer: req.Ref.Analyzer, name: req.Ref.Array, t: t, decl: b.declared(req.Ref.Analyzer, req.Ref.Array, false)}
	in.epochs = make([]float64, len(eps))
	for i, e := range eps {
		in.epochs[i] = float64(e)
	}
	s, err := b.drawArray(req, in)
	if err != nil {
		return nil, fmt.Errorf("analyzer %s trajectory %s: %w", req.Ref.Analyzer, req.Ref.Array, err)
	}
	s.Epoch = intPtr(req.Epoch)
	return s, nil
}

// trajectory reads a cross-epoch array of shape (epochs, components) and
// the artifact's "epochs" array, which must list one epoch per row.
func trajectory(ref Ref, rd *results.Reader) (*sdk.Tensor, []int, error) {
	f, err := rd.OpenCross(ref.Analyzer)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	t, err := f.Read(ref.Array)
	if err != nil {
		return nil, nil, err
	}
	if t.Rank() != 2 || t.Shape()[0] == 0 || t.Shape()[1] < 2 {
		return nil, nil, fmt.Errorf("%w: analyzer %s array %s has shape %v: a path needs (epochs, components ≥ 2)", results.ErrSelection, ref.Analyzer, ref.Array, t.Shape())
	}
	et, err := f.Read("epochs")
	if err != nil {
		return nil, nil, err
	}
	var eps []int
	for _, e := range et.AsFloat64() {
		eps = append(eps, int(e))
	}
	if len(eps) != t.Shape()[0] {
		return nil, nil, fmt.Errorf("%s: %d epochs but array %s has %d rows", f.Path(), len(eps), ref.Array, t.Shape()[0])
	}
	return t, eps, nil
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
