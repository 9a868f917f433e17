// Package effdim is the effective_dimensionality analyzer: the singular values
// of every weight matrix (per head for per-head tensors) and their
// participation ratio (Σs)²/Σs², the effective number of dimensions a matrix
// uses.
package effdim

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "effective_dimensionality"
	Version = "0.1.0"
)

// Analyzer implements sdk.Analyzer. For each weight matrix W (state-dict
// name whose last component starts with "W_") it writes `sv_<name>`, the
// singular values in descending order: (min(m, n),) for a 2-D [m, n] weight,
// (n_heads, min(m, n)) for a per-head 3-D [n_heads, m, n] weight (W_Q, W_K,
// W_V, W_O). The summary holds `pr_<name>`, a scalar or an (n_heads,) vector.
type Analyzer struct {
	svd mat.SVD // reused across matrices: its workspace is the hot allocation
}

// New returns an effective_dimensionality analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.PerCheckpoint}
}

// Begin does nothing: the analysis needs no run context.
func (a *Analyzer) Begin(context.Context, *sdk.Run) error { return nil }

// IsMatrix reports whether the state-dict name is a weight matrix (W_*), as
// opposed to a bias (b_*), a LayerNorm scale or a buffer.
func IsMatrix(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	return strings.HasPrefix(last, "W_")
}

// Analyze computes the spectra of every weight matrix it received.
func (a *Analyzer) Analyze(_ context.Context, cp *sdk.Checkpoint) (*sdk.Result, error) {
	names := make([]string, 0, len(cp.Weights))
	for name := range cp.Weights {
		if IsMatrix(name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: epoch %d: no weight matrices (W_*) received", Name, cp.Epoch)
	}
	sort.Strings(names)
	res := &sdk.Result{Arrays: map[string]*sdk.Tensor{}, Summary: map[string]*sdk.Tensor{}}
	for _, name := range names {
		t := cp.Weights[name]
		s := t.Shape()
		var heads, m, n int
		switch t.Rank() {
		case 2:
			heads, m, n = 1, s[0], s[1]
		case 3:
			heads, m, n = s[0], s[1], s[2]
		default:
			return nil, fmt.Errorf("%s: epoch %d: weight %s has shape %s, want 2-D or per-head 3-D", Name, cp.Epoch, name, t.ShapeString())
		}
		k := min(m, n)
		if k == 0 || heads == 0 {
			return nil, fmt.Errorf("%s: epoch %d: weight %s is empty %s", Name, cp.Epoch, name, t.ShapeString())
		}
		vals := t.AsFloat64()
		for i, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s: epoch %d: weight %s holds %v at flat index %d", Name, cp.Epoch, name, v, i)
			}
		}
		sv := make([]float64, heads*k)
		pr := make([]float64, heads)
		for h := 0; h < heads; h++ {
			w := mat.NewDense(m, n, vals[h*m*n:(h+1)*m*n])
			if !a.svd.Factorize(w, mat.SVDNone) {
				return nil, fmt.Errorf("%s: epoch %d: SVD of %s (head %d) did not converge", Name, cp.Epoch, name, h)
			}
			dst := sv[h*k : (h+1)*k]
			a.svd.Values(dst)
			pr[h] = stats.ParticipationRatio(dst)
		}
		if t.Rank() == 2 {
			res.Arrays["sv_"+name] = sdk.FromFloat64(sv, k)
			res.Summary["pr_"+name] = sdk.Scalar(pr[0])
		} else {
			res.Arrays["sv_"+name] = sdk.FromFloat64(sv, heads, k)
			res.Summary["pr_"+name] = sdk.FromFloat64(pr, heads)
		}
	}
	return res, nil
}

// End does nothing: the analyzer holds no resources.
func (a *Analyzer) End(context.Context) error { return nil }
