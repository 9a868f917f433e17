// Package reprgeom is the repr_geometry analyzer: the geometry of the classes
// (labels, for modular addition the residue (a + b) mod p) in activation space
// at four sites of the 1-layer model's last position. A grokked model places
// the class centroids on a circle in the order of a key frequency; this
// analyzer measures how round that circle is, how well the classes separate,
// and how far each class spreads.
package reprgeom

import (
	"context"
	"fmt"
	"sync"

	"github.com/tdw-workbench/tdw/sdk"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "repr_geometry"
	Version = "0.1.0"
)

// Site is one place activations are read: arrays are prefixed with Name.
type Site struct {
	Name string // array prefix, e.g. "resid_post"
	Hook string // TransformerLens hook, cut to the last position
}

// Sites are the reference project's four sites, at layer 0. mlp_out is the
// post-ReLU hidden layer (d_mlp wide), not the MLP's write into the residual
// stream, as in the reference.
var Sites = []Site{
	{"resid_pre", "blocks.0.hook_resid_pre"},
	{"attn_out", "blocks.0.hook_attn_out"},
	{"mlp_out", "blocks.0.mlp.hook_post"},
	{"resid_post", "blocks.0.hook_resid_post"},
}

// Analyzer implements sdk.Analyzer; see Measure for what each site gets.
type Analyzer struct {
	labels   []int
	nClasses int
}

// New returns a repr_geometry analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin reads the class of every probe row from the context's labels; the
// number of classes is the largest label + 1.
func (a *Analyzer) Begin(_ context.Context, run *sdk.Run) error {
	lt := run.Context["labels"]
	if lt == nil || lt.DType() != sdk.Int64 || lt.Rank() != 1 || lt.Len() == 0 {
		return fmt.Errorf("%s: context labels is %v, want int64 [batch]", Name, lt)
	}
	a.labels = make([]int, lt.Len())
	a.nClasses = 0
	for i, l := range lt.Int64s() {
		if l < 0 || l > 1<<20 {
			return fmt.Errorf("%s: context labels[%d] = %d, want a class in [0, 2^20]", Name, i, l)
		}
		a.labels[i] = int(l)
		a.nClasses = max(a.nClasses, int(l)+1)
	}
	return nil
}

// Analyze measures every site. The sites are independent, so they run
// concurrently (the per-class Gram matrices are most of the work); results
// do not depend on the order.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	if a.labels == nil {
		return nil, fmt.Errorf("%s: Analyze before Begin", Name)
	}
	for _, s := range Sites {
		h := cp.Hooks[s.Hook]
		if h == nil {
			return nil, fmt.Errorf("%s: epoch %d: hook %s missing", Name, cp.Epoch, s.Hook)
		}
		if h.Rank() != 2 || h.Shape()[0] != len(a.labels) || h.Shape()[1] < 1 {
			return nil, fmt.Errorf("%s: epoch %d: hook %s has shape %s, want (batch = %d, d) at the last position", Name, cp.Epoch, s.Hook, h.ShapeString(), len(a.labels))
		}
	}
	geoms := make([]*Geometry, len(Sites))
	errs := make([]error, len(Sites))
	var wg sync.WaitGroup
	for i, s := range Sites {
		wg.Go(func() {
			h := cp.Hooks[s.Hook]
			geoms[i], errs[i] = Measure(h.AsFloat32(), h.Shape()[1], a.labels, a.nClasses)
		})
	}
	wg.Wait()
	res := &sdk.Result{Arrays: map[string]*sdk.Tensor{}, Summary: map[string]*sdk.Tensor{}}
	for i, s := range Sites {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: epoch %d: site %s: %w", Name, cp.Epoch, s.Name, errs[i])
		}
		geoms[i].put(s.Name, res)
	}
	return res, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
