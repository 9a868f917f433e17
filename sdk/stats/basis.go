package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// PCABasis is a principal-axis basis fitted once to pooled observations, to
// project other observations into the same frame (global_centroid_pca pools
// every epoch's class centroids so that the frame does not rotate between
// epochs).
type PCABasis struct {
	// Mean is the pooled mean (d).
	Mean []float64
	// Basis is d×k: column c is principal axis c, unit norm, its
	// largest-magnitude entry positive.
	Basis *mat.Dense
	// VarianceRatio holds the k axes' shares of the total variance.
	VarianceRatio []float64
}

// FitPCABasis fits the principal axes of the n observations of x (laid out
// n×d) through the d×d covariance (O(n·d² + d³): for many observations of
// moderate dimension) and keeps the fewest axes k whose variance shares add
// up to at least threshold (in (0, 1]); when the observations coincide, k is
// 1 with a ratio of 0. It returns an error if the eigendecomposition fails
// and panics if len(x) != n·d or threshold is not in (0, 1].
func FitPCABasis(x []float64, n, d int, threshold float64) (*PCABasis, error) {
	if !(threshold > 0 && threshold <= 1) {
		panic(fmt.Sprintf("stats: FitPCABasis: threshold %v, want (0, 1]", threshold))
	}
	mean, vals, vecs, err := covarianceEigen("FitPCABasis", x, n, d)
	if err != nil {
		return nil, err
	}
	total := positiveSum(vals)
	k := 1
	ratios := []float64{0}
	if total > 0 {
		ratios = ratios[:0]
		var cum float64
		for k = 1; k <= d; k++ {
			r := math.Max(vals[d-k], 0) / total
			ratios = append(ratios, r)
			cum += r
			// A little slack, so that rounding does not add an axis
			// when the shares reach the threshold exactly.
			if cum >= threshold-1e-12 {
				break
			}
		}
		k = min(k, d)
	}
	return &PCABasis{Mean: mean, Basis: topAxes(vecs, d, k), VarianceRatio: ratios}, nil
}

// FitPCAAxes is FitPCABasis keeping exactly the top min(k, d) axes whatever
// variance they hold (VarianceRatio then has that many entries, 0 for axes
// beyond the data's rank or when the observations coincide; those axes are
// any unit vectors orthogonal to the others). It panics as FitPCABasis does,
// or if k < 1.
func FitPCAAxes(x []float64, n, d, k int) (*PCABasis, error) {
	if k < 1 {
		panic(fmt.Sprintf("stats: FitPCAAxes: %d axes", k))
	}
	mean, vals, vecs, err := covarianceEigen("FitPCAAxes", x, n, d)
	if err != nil {
		return nil, err
	}
	k = min(k, d)
	total := positiveSum(vals)
	ratios := make([]float64, k)
	for c := range ratios {
		if total > 0 {
			ratios[c] = math.Max(vals[d-1-c], 0) / total
		}
	}
	return &PCABasis{Mean: mean, Basis: topAxes(vecs, d, k), VarianceRatio: ratios}, nil
}

// covarianceEigen returns the mean of the n observations of x (n×d) and the
// eigenvalues (ascending) and eigenvectors of their covariance (divisor n).
func covarianceEigen(op string, x []float64, n, d int) ([]float64, []float64, *mat.Dense, error) {
	if n < 1 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("stats: %s: %d values are not %d×%d", op, len(x), n, d))
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	xc := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			xc[i*d+j] = v - mean[j]
		}
	}
	cov := mat.NewSymDense(d, nil)
	blas64.Syrk(blas.Trans, 1/float64(n), blas64.General{Rows: n, Cols: d, Stride: d, Data: xc}, 0, cov.RawSymmetric())
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, nil, nil, errors.New("stats: eigendecomposition of the covariance did not converge")
	}
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	return mean, eig.Values(nil), &vecs, nil
}

func positiveSum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += math.Max(x, 0)
	}
	return s
}

// topAxes returns the eigenvectors of the k largest eigenvalues (vecs holds
// them in ascending order) as columns of a d×k matrix, each signed so that
// its largest-magnitude entry is positive.
func topAxes(vecs *mat.Dense, d, k int) *mat.Dense {
	basis := mat.NewDense(d, k, nil)
	for c := 0; c < k; c++ {
		src := d - 1 - c
		sign, big := 1.0, 0.0
		for j := 0; j < d; j++ {
			if u := vecs.At(j, src); math.Abs(u) > big {
				big, sign = math.Abs(u), math.Copysign(1, u)
			}
		}
		for j := 0; j < d; j++ {
			basis.Set(j, c, sign*vecs.At(j, src))
		}
	}
	return basis
}

// K returns the number of axes kept.
func (b *PCABasis) K() int { _, k := b.Basis.Dims(); return k }

// Project sets dst (laid out n×k) to the coordinates of the n observations
// of x (laid out n×d) on the basis: (x − Mean)·Basis. It panics if a length
// does not match.
func (b *PCABasis) Project(dst, x []float64, n int) {
	d, k := b.Basis.Dims()
	if len(x) != n*d || len(dst) != n*k {
		panic(fmt.Sprintf("stats: PCABasis.Project: len(x) = %d, len(dst) = %d for %d observations, d = %d, k = %d", len(x), len(dst), n, d, k))
	}
	xc := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			xc[i*d+j] = v - b.Mean[j]
		}
	}
	out := mat.NewDense(n, k, dst)
	out.Mul(mat.NewDense(n, d, xc), b.Basis)
}
