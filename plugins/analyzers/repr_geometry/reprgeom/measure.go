package reprgeom

import (
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Geometry is the class geometry of one site: stats.MeasureClasses plus the
// Fourier alignment of the centroids around their circle.
type Geometry struct {
	*stats.ClassGeometry
	PCAVar        [3]float64 // variance fractions of the centroids' top 3 principal axes
	Alignment     float64    // fourier.Alignment of the centroid angles (0 without a circle)
	AlignmentFreq int        // its frequency, 1..(N-1)/2 (0 without a circle)
	FisherDiff    int        // circular distance of the least separated pair (-1 without one)
}

// Measure computes the geometry of the rows of x (laid out len(labels)×d)
// grouped by label into n classes, in float64: stats.MeasureClasses (centroids,
// radii and dimensionality per class, centre spread, signal-to-noise ratio,
// circularity of the centroids in their top two principal axes, Fisher
// discriminant ratios of the class pairs), and the Fourier alignment of the
// centroids' angles around the fitted circle (fourier.Alignment, the n
// classes as Z_n).
func Measure(x []float32, d int, labels []int, n int) (*Geometry, error) {
	cg, err := stats.MeasureClasses(x, d, labels, n)
	if err != nil {
		return nil, err
	}
	g := &Geometry{ClassGeometry: cg, FisherDiff: -1}
	copy(g.PCAVar[:], cg.Ring.VarianceRatio)
	if cg.Ring.Fitted {
		g.Alignment, g.AlignmentFreq = fourier.Alignment(cg.Ring.Angles(nil))
	}
	if g.Fisher.ArgminR >= 0 {
		g.FisherDiff = stats.CircularDistance(g.Fisher.ArgminR, g.Fisher.ArgminS, n)
	}
	return g, nil
}

// put writes the geometry into res under the site's prefix: the per-class
// arrays and scalars as arrays, the scalars and PCA variance fractions as
// summary statistics.
func (g *Geometry) put(site string, res *sdk.Result) {
	f := func(v float64) *sdk.Tensor { return sdk.Scalar(v) }
	i := func(v int) *sdk.Tensor { return sdk.FromInt64([]int64{int64(v)}) }
	scalars := map[string]*sdk.Tensor{
		"mean_radius":            f(g.MeanRadius),
		"mean_dim":               f(g.MeanDim),
		"center_spread":          f(g.CenterSpread),
		"snr":                    f(g.SNR),
		"circularity":            f(g.Ring.Circularity),
		"fourier_alignment":      f(g.Alignment),
		"fourier_alignment_freq": i(g.AlignmentFreq),
		"fisher_mean":            f(g.Fisher.Mean),
		"fisher_min":             f(g.Fisher.Min),
		"fisher_argmin_r":        i(g.Fisher.ArgminR),
		"fisher_argmin_s":        i(g.Fisher.ArgminS),
		"fisher_argmin_diff":     i(g.FisherDiff),
	}
	p := site + "_"
	res.Arrays[p+"centroids"] = sdk.FromFloat64(g.Centroids, g.N, g.D)
	res.Arrays[p+"radii"] = sdk.FromFloat64(g.Radii, g.N)
	res.Arrays[p+"dimensionality"] = sdk.FromFloat64(g.Dimensionality, g.N)
	for k, t := range scalars {
		res.Arrays[p+k] = t
		res.Summary[p+k] = t.Clone()
	}
	for c, v := range g.PCAVar {
		res.Summary[p+"pca_var_pc"+string(rune('1'+c))] = f(v)
	}
}
