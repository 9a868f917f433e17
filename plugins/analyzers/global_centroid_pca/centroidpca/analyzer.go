// Package centroidpca is the global_centroid_pca analyzer, a cross-epoch
// analysis of repr_geometry: one principal-axis basis per site fitted to the
// class centroids of every epoch pooled, and each epoch's centroids in it. A
// per-epoch PCA rotates from one checkpoint to the next; in one shared frame
// the centroids' paths over training can be followed (and fed to DMD).
package centroidpca

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Name and Version identify the analyzer; they match its analyzer.json.
const (
	Name    = "global_centroid_pca"
	Version = "0.1.0"
)

// Source is the artifact read; every array of it named SITE_centroids
// ((E, n_classes, d) float64) is one site.
const Source = "repr_geometry"

const centroidsSuffix = "_centroids"

// Analyzer implements sdk.CrossEpochAnalyzer. Per site s it returns
//
//	s__basis                     float64 (d, k)               the pooled principal axes (columns, unit norm)
//	s__mean                      float64 (d,)                 the pooled mean
//	s__explained_variance_ratio  float64 (k,)                 each axis's share of the pooled variance
//	s__projections               float64 (E, n_classes, k)    (centroids − mean)·basis per epoch
//
// with k the fewest axes holding variance_threshold of the pooled variance,
// and epochs (E,) int64.
type Analyzer struct{}

// New returns a global_centroid_pca analyzer.
func New() *Analyzer { return &Analyzer{} }

// Info describes the analyzer.
func (a *Analyzer) Info() sdk.AnalyzerInfo {
	return sdk.AnalyzerInfo{Name: Name, Version: Version, Kind: sdk.CrossEpoch}
}

// AnalyzeAcross fits and projects every site.
func (a *Analyzer) AnalyzeAcross(_ context.Context, run *sdk.Run, inputs map[string]*sdk.Stacked) (map[string]*sdk.Tensor, error) {
	th, err := run.Settings.Float("variance_threshold")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if !(th > 0 && th <= 1) {
		return nil, fmt.Errorf("%s: parameter %q is %g, want a value in (0, 1]", Name, "variance_threshold", th)
	}
	st := inputs[Source]
	if st == nil {
		return nil, fmt.Errorf("%s: input artifact %s missing", Name, Source)
	}
	epochs, err := Epochs(st)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	out := map[string]*sdk.Tensor{"epochs": sdk.FromInt64(epochs, len(epochs))}
	sites := Sites(st)
	if len(sites) == 0 {
		return nil, fmt.Errorf("%s: %s has no *%s arrays", Name, Source, centroidsSuffix)
	}
	for _, site := range sites {
		c := st.Arrays[site+centroidsSuffix]
		sh := c.Shape()
		if c.DType() != sdk.Float64 || c.Rank() != 3 || sh[0] != len(epochs) || sh[1] < 1 || sh[2] < 1 {
			return nil, fmt.Errorf("%s: %s/%s%s is %v, want float64 (epochs = %d, n_classes, d)", Name, Source, site, centroidsSuffix, c, len(epochs))
		}
		E, n, d := sh[0], sh[1], sh[2]
		b, err := stats.FitPCABasis(c.Float64s(), E*n, d, th)
		if err != nil {
			return nil, fmt.Errorf("%s: site %s: %w", Name, site, err)
		}
		k := b.K()
		proj := make([]float64, E*n*k)
		b.Project(proj, c.Float64s(), E*n)
		p := site + "__"
		out[p+"basis"] = sdk.FromFloat64(b.Basis.RawMatrix().Data, d, k)
		out[p+"mean"] = sdk.FromFloat64(b.Mean, d)
		out[p+"explained_variance_ratio"] = sdk.FromFloat64(b.VarianceRatio, k)
		out[p+"projections"] = sdk.FromFloat64(proj, E, n, k)
	}
	return out, nil
}

// Sites returns the sites of a stacked repr_geometry artifact (arrays named
// SITE_centroids), sorted.
func Sites(st *sdk.Stacked) []string {
	var sites []string
	for name := range st.Arrays {
		if s, ok := strings.CutSuffix(name, centroidsSuffix); ok && s != "" {
			sites = append(sites, s)
		}
	}
	sort.Strings(sites)
	return sites
}

// Epochs checks that st's epochs ascend and returns them as int64.
func Epochs(st *sdk.Stacked) ([]int64, error) {
	if len(st.Epochs) == 0 {
		return nil, fmt.Errorf("%s has no epochs", Source)
	}
	out := make([]int64, len(st.Epochs))
	for i, e := range st.Epochs {
		if i > 0 && e <= st.Epochs[i-1] {
			return nil, fmt.Errorf("%s epochs are not ascending (%d after %d)", Source, e, st.Epochs[i-1])
		}
		out[i] = int64(e)
	}
	return out, nil
}
