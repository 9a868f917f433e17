package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// ClassCentroids sets dst, laid out n×d, to the mean of the rows of x (laid
// out rows×d) with each label in [0, n), and returns how many rows each class
// has. Sums run in float64 whatever T is: float32 accumulation over thousands
// of rows is the bug the reference project's audit found in its centroids.
// Rows labelled < 0 are left out (neurons in no group, for instance); a class
// with no rows gets a zero centroid. It panics if len(x) is not
// len(labels)·d, len(dst) is not n·d, or a label is ≥ n.
func ClassCentroids[T float32 | float64](dst []float64, x []T, d int, labels []int) (counts []int) {
	n := checkClasses("ClassCentroids", len(dst), x, d, labels)
	counts = make([]int, n)
	clear(dst)
	for i, c := range labels {
		if c < 0 {
			continue
		}
		counts[c]++
		row := dst[c*d : (c+1)*d]
		for j, v := range x[i*d : (i+1)*d] {
			row[j] += float64(v)
		}
	}
	for c, k := range counts {
		if k == 0 {
			continue
		}
		inv := 1 / float64(k)
		for j := range dst[c*d : (c+1)*d] {
			dst[c*d+j] *= inv
		}
	}
	return counts
}

// ClassSpread sets, for every class c of the rows of x (laid out rows×d,
// labels as in ClassCentroids, centroids n×d as ClassCentroids returns them):
//
//	radii[c] = √(mean over the class's rows of ‖x_i − μ_c‖²), the RMS distance to the centroid;
//	dims[c]  = (Σλ)² / Σλ², the participation ratio of the eigenvalues λ of the class covariance.
//
// The participation ratio is 1 when the class varies along one axis and k when
// it varies equally along k. It is tr(C)²/‖C‖²_F, and the Frobenius norm of
// XcᵀXc equals that of the smaller Gram XcXcᵀ, so no eigendecomposition is
// needed: one SYRK of the smaller side per class. A class with fewer than two
// rows, or no variance, has dimensionality 0; one with no rows has radius 0.
// It panics on lengths as ClassCentroids does.
func ClassSpread[T float32 | float64](radii, dims []float64, x []T, d int, labels []int, centroids []float64) {
	n := checkClasses("ClassSpread", len(centroids), x, d, labels)
	if len(radii) != n || len(dims) != n {
		panic(fmt.Sprintf("stats: ClassSpread: len(radii) = %d, len(dims) = %d, want %d", len(radii), len(dims), n))
	}
	members := make([][]int, n)
	for i, c := range labels {
		if c >= 0 {
			members[c] = append(members[c], i)
		}
	}
	var buf, gram []float64
	for c, rows := range members {
		k := len(rows)
		radii[c], dims[c] = 0, 0
		if k == 0 {
			continue
		}
		if cap(buf) < k*d {
			buf = make([]float64, k*d)
		}
		xc := buf[:k*d]
		mu := centroids[c*d : (c+1)*d]
		var sq float64
		for r, i := range rows {
			dst := xc[r*d : (r+1)*d]
			for j, v := range x[i*d : (i+1)*d] {
				e := float64(v) - mu[j]
				dst[j] = e
				sq += e * e
			}
		}
		radii[c] = math.Sqrt(sq / float64(k))
		if k < 2 || sq == 0 {
			continue
		}
		m, tr := min(k, d), blas.NoTrans // Gram rows·rowsᵀ (k×k) or colsᵀ·cols (d×d)
		if d < k {
			tr = blas.Trans
		}
		if cap(gram) < m*m {
			gram = make([]float64, m*m)
		}
		g := gram[:m*m]
		blas64.Syrk(tr, 1, blas64.General{Rows: k, Cols: d, Stride: d, Data: xc}, 0,
			blas64.Symmetric{Uplo: blas.Upper, N: m, Stride: m, Data: g})
		var trace, frob float64
		for i := 0; i < m; i++ {
			trace += g[i*m+i]
			frob += g[i*m+i] * g[i*m+i]
			for _, v := range g[i*m+i+1 : (i+1)*m] {
				frob += 2 * v * v
			}
		}
		if frob > 0 {
			dims[c] = trace * trace / frob
		}
	}
}

// CenterSpread returns the RMS distance of the n centroids (laid out n×d)
// from their mean: √(mean_c ‖μ_c − μ̄‖²). It returns 0 for no centroids and
// panics if len(centroids) is not a multiple of d.
func CenterSpread(centroids []float64, d int) float64 {
	if d < 1 || len(centroids)%d != 0 {
		panic(fmt.Sprintf("stats: CenterSpread: %d values are not rows of %d", len(centroids), d))
	}
	n := len(centroids) / d
	if n == 0 {
		return 0
	}
	mean := make([]float64, d)
	for c := 0; c < n; c++ {
		for j, v := range centroids[c*d : (c+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	var sq float64
	for c := 0; c < n; c++ {
		for j, v := range centroids[c*d : (c+1)*d] {
			e := v - mean[j]
			sq += e * e
		}
	}
	return math.Sqrt(sq / float64(n))
}

// checkClasses checks the shared layout of the class functions and returns
// the number of classes, n = nd/d.
func checkClasses[T float32 | float64](op string, nd int, x []T, d int, labels []int) int {
	if d < 1 || len(x) != len(labels)*d || nd%d != 0 {
		panic(fmt.Sprintf("stats: %s: %d values for %d labelled rows of %d, %d class values", op, len(x), len(labels), d, nd))
	}
	n := nd / d
	for i, c := range labels {
		if c >= n {
			panic(fmt.Sprintf("stats: %s: label[%d] = %d, want < %d classes", op, i, c, n))
		}
	}
	return n
}
