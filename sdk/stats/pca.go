package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PCA is a principal component analysis of n observations, reduced to its top
// k components. Its fields follow scikit-learn's PCA so that numbers read the
// same in both tools.
type PCA struct {
	// Scores is n×k: each observation's centered coordinates on the top k
	// principal axes (scikit-learn's fit_transform). Each column's sign is
	// fixed so that its largest-magnitude entry is positive, which makes the
	// result deterministic.
	Scores *mat.Dense
	// Variance holds the k largest component variances, descending:
	// eigenvalues of the covariance with divisor n-1 (1 when n is 1).
	Variance []float64
	// VarianceRatio is Variance over TotalVariance (all zero when the
	// observations coincide).
	VarianceRatio []float64
	// TotalVariance is the sum of all component variances, i.e. the trace of
	// the covariance.
	TotalVariance float64
}

// PrincipalComponents computes the PCA of x, whose rows are observations and
// columns variables, keeping k = min(k, n, d) components. It works through the
// n×n centered Gram matrix, which suits data with far more variables than
// observations (a model's flattened weights over checkpoints).
func PrincipalComponents(x mat.Matrix, k int) (*PCA, error) {
	n, d := x.Dims()
	if n == 0 || d == 0 {
		return nil, errors.New("stats: PCA of an empty matrix")
	}
	rows := mat.DenseCopyOf(x)
	g := NewGram(n)
	g.AddFloat64(rows.RawMatrix().Data, d)
	return GramPCA(g, min(k, d))
}

// GramPCA computes the PCA of the observations whose centered Gram matrix g
// holds, keeping min(k, n) components. It returns an error if k < 1 or the
// eigendecomposition fails.
func GramPCA(g *Gram, k int) (*PCA, error) {
	n := g.N()
	if k < 1 {
		return nil, fmt.Errorf("stats: PCA with %d components", k)
	}
	k = min(k, n)
	var eig mat.EigenSym
	if !eig.Factorize(g.Matrix(), true) {
		return nil, errors.New("stats: eigendecomposition of the Gram matrix did not converge")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)

	div := float64(max(n-1, 1))
	var total float64
	for _, v := range vals {
		total += math.Max(v, 0)
	}
	total /= div
	p := &PCA{
		Scores:        mat.NewDense(n, k, nil),
		Variance:      make([]float64, k),
		VarianceRatio: make([]float64, k),
		TotalVariance: total,
	}
	for c := 0; c < k; c++ {
		src := n - 1 - c // largest eigenvalue first
		lambda := math.Max(vals[src], 0)
		p.Variance[c] = lambda / div
		if total > 0 {
			p.VarianceRatio[c] = p.Variance[c] / total
		}
		// Gram = U Λ Uᵀ and Xc = U Σ Vᵀ with Σ² = Λ, so scores Xc V = U Σ.
		s := math.Sqrt(lambda)
		sign := 1.0
		var big float64
		for i := 0; i < n; i++ {
			if u := vecs.At(i, src); math.Abs(u) > big {
				big = math.Abs(u)
				sign = math.Copysign(1, u)
			}
		}
		for i := 0; i < n; i++ {
			p.Scores.Set(i, c, sign*s*vecs.At(i, src))
		}
	}
	return p, nil
}
