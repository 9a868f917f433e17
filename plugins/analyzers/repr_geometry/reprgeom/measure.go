package reprgeom

import (
	"github.com/tdw-workbench/tdw/sdk"
	"github.com/tdw-workbench/tdw/sdk/fourier"
	"github.com/tdw-workbench/tdw/sdk/stats"
)

// Geometry is the class geometry of one site.
type Geometry struct {
	N, D           int       // classes and dimensions
	Centroids      []float64 // N×D class means
	Radii          []float64 // RMS distance of each class's rows to its centroid
	Dimensionality []float64 // participation ratio of each class's covariance
	MeanRadius     float64
	MeanDim        float64
	CenterSpread   float64 // RMS distance of the centroids from their mean
	SNR            float64 // CenterSpread² / MeanRadius² (0 when MeanRadius is 0)
	Circularity    float64 // stats.FitRing of the centroids
	PCAVar         [3]float64
	Alignment      float64 // fourier.Alignment of the centroid angles (0 without a circle)
	AlignmentFreq  int     // its frequency, 1..(N-1)/2 (0 without a circle)
	Fisher         stats.FisherStats
	FisherDiff     int // circular distance of the argmin pair (-1 without one)
}

// Measure computes the geometry of the rows of x (laid out len(labels)×d)
// grouped by label into n classes, in float64: centroids, radii and
// dimensionality per class (stats.ClassCentroids, stats.ClassSpread), centre
// spread and signal-to-noise ratio, circularity of the centroids in their top
// two principal axes (stats.FitRing), Fourier alignment of their angles around
// the fitted circle (fourier.Alignment, n classes as Z_n), and the Fisher
// discriminant ratios of the class pairs (stats.Fisher).
func Measure(x []float32, d int, labels []int, n int) (*Geometry, error) {
	g := &Geometry{N: n, D: d, Centroids: make([]float64, n*d), Radii: make([]float64, n), Dimensionality: make([]float64, n)}
	stats.ClassCentroids(g.Centroids, x, d, labels)
	stats.ClassSpread(g.Radii, g.Dimensionality, x, d, labels, g.Centroids)
	for c := 0; c < n; c++ {
		g.MeanRadius += g.Radii[c] / float64(n)
		g.MeanDim += g.Dimensionality[c] / float64(n)
	}
	g.CenterSpread = stats.CenterSpread(g.Centroids, d)
	if g.MeanRadius > 0 {
		g.SNR = g.CenterSpread * g.CenterSpread / (g.MeanRadius * g.MeanRadius)
	}
	ring, err := stats.FitRing(g.Centroids, n, d)
	if err != nil {
		return nil, err
	}
	g.Circularity = ring.Circularity
	copy(g.PCAVar[:], ring.VarianceRatio)
	if ring.Fitted {
		g.Alignment, g.AlignmentFreq = fourier.Alignment(ring.Angles(nil))
	}
	g.Fisher = stats.Fisher(g.Centroids, d, g.Radii)
	g.FisherDiff = -1
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
		"circularity":            f(g.Circularity),
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
