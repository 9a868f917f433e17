package stats

// ClassGeometry is the geometry of labelled samples (activations grouped by
// output class, neurons grouped by frequency): each class's centroid, radius
// and dimensionality, and how the classes sit relative to each other.
type ClassGeometry struct {
	N, D           int       // classes and dimensions
	Counts         []int     // samples per class
	Centroids      []float64 // N×D class means
	Radii          []float64 // RMS distance of each class's samples to its centroid
	Dimensionality []float64 // participation ratio of each class's covariance
	MeanRadius     float64
	MeanDim        float64
	CenterSpread   float64 // RMS distance of the centroids from their mean
	SNR            float64 // CenterSpread² / MeanRadius² (0 when MeanRadius is 0)
	Ring           *Ring   // the centroids' circle fit (FitRing)
	Fisher         FisherStats
}

// MeasureClasses computes the geometry of the rows of x (laid out
// len(labels)×d) grouped by label into n classes, rows labelled < 0 left out,
// in float64: ClassCentroids, ClassSpread, their means, CenterSpread, the SNR,
// FitRing of the centroids and Fisher. It returns an error only if the PCA of
// the centroids fails, and panics on lengths as ClassCentroids does.
func MeasureClasses[T float32 | float64](x []T, d int, labels []int, n int) (*ClassGeometry, error) {
	g := &ClassGeometry{N: n, D: d, Centroids: make([]float64, n*d), Radii: make([]float64, n), Dimensionality: make([]float64, n)}
	g.Counts = ClassCentroids(g.Centroids, x, d, labels)
	ClassSpread(g.Radii, g.Dimensionality, x, d, labels, g.Centroids)
	for c := 0; c < n; c++ {
		g.MeanRadius += g.Radii[c] / float64(n)
		g.MeanDim += g.Dimensionality[c] / float64(n)
	}
	g.CenterSpread = CenterSpread(g.Centroids, d)
	if g.MeanRadius > 0 {
		g.SNR = g.CenterSpread * g.CenterSpread / (g.MeanRadius * g.MeanRadius)
	}
	if n > 0 {
		ring, err := FitRing(g.Centroids, n, d)
		if err != nil {
			return nil, err
		}
		g.Ring = ring
	} else {
		g.Ring = &Ring{}
	}
	g.Fisher = Fisher(g.Centroids, d, g.Radii)
	return g, nil
}
