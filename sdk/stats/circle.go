package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Circle is a circle in the plane.
type Circle struct{ CX, CY, R float64 }

// FitCircle fits a circle to the points (x[i], y[i]) by Kåsa's algebraic
// method: the least-squares solution (a, b, c) of x² + y² + a·x + b·y + c = 0,
// giving the centre (−a/2, −b/2) and radius √(cx² + cy² − c) (0 if that is
// negative). It is linear, so it has no starting point and no iterations, and
// it is exact for points on a circle; for noisy points on a short arc it
// shrinks the radius, which does not matter for whole rings of class
// centroids. Solved by QR, so points should be centred near the origin
// (principal-component scores are). It returns an error for fewer than three
// points or points on one line (no circle through them), and panics if len(x)
// != len(y).
func FitCircle(x, y []float64) (Circle, error) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("stats: FitCircle: %d x and %d y values", len(x), len(y)))
	}
	n := len(x)
	if n < 3 {
		return Circle{}, fmt.Errorf("stats: circle fit of %d points, want at least 3", n)
	}
	a := mat.NewDense(n, 3, nil)
	b := mat.NewVecDense(n, nil)
	for i := range x {
		a.Set(i, 0, x[i])
		a.Set(i, 1, y[i])
		a.Set(i, 2, 1)
		b.SetVec(i, -(x[i]*x[i] + y[i]*y[i]))
	}
	var qr mat.QR
	qr.Factorize(a)
	// Collinear points make the system rank deficient; a condition number
	// near 1/ε means the "circle" is a line with an arbitrary centre.
	if c := qr.Cond(); math.IsInf(c, 1) || c > 1e12 {
		return Circle{}, errors.New("stats: circle fit of points on a line")
	}
	var sol mat.VecDense
	if err := qr.SolveVecTo(&sol, false, b); err != nil {
		return Circle{}, fmt.Errorf("stats: circle fit: %w", err)
	}
	cx, cy := -sol.AtVec(0)/2, -sol.AtVec(1)/2
	return Circle{CX: cx, CY: cy, R: math.Sqrt(math.Max(cx*cx+cy*cy-sol.AtVec(2), 0))}, nil
}

// Ring describes how n points in d dimensions (class centroids) lie on a
// circle: their coordinates on the top two principal axes, the circle fitted
// there, and a circularity score.
type Ring struct {
	// X and Y are each point's centred coordinates on principal axes 1 and
	// 2 (sign fixed as in PCA.Scores).
	X, Y []float64
	// VarianceRatio holds the variance fractions of the top min(3, n, d)
	// principal axes (all 0 when the points coincide).
	VarianceRatio []float64
	// Circle is the Kåsa fit in the (X, Y) plane; Fitted is false when no
	// circle could be fitted (fewer than three distinct, non-collinear points).
	Circle Circle
	Fitted bool
	// Circularity is in [0, 1]; see FitRing.
	Circularity float64
}

// FitRing projects the n points of x (laid out n×d) on their top two
// principal axes, fits a circle there (FitCircle) and scores how circular
// they are, as the reference project's repr_geometry does:
//
//	circularity = clip((1 − MSR/V₂) · (v₁ + v₂) · v₂/v₁, 0, 1)
//
// with MSR the mean squared radial residual of the fit, V₂ the points'
// variance in the plane (population), v₁ ≥ v₂ the variance fractions of the
// two axes. The first factor is 1 for points on a circle; the second is low
// for a high-dimensional cloud (the plane holds little of it) and the third
// for a line (a flat ellipse). Points with no variance in the plane (relative
// to their squared norm, below 1e-24: rounding), fewer than three points and
// collinear ones (second axis share ≤ 1e-12) score 0 and get no circle. It returns an error only if the PCA fails, and
// panics if len(x) != n·d.
func FitRing(x []float64, n, d int) (*Ring, error) {
	if n < 1 || d < 1 || len(x) != n*d {
		panic(fmt.Sprintf("stats: FitRing: %d values are not %d×%d", len(x), n, d))
	}
	g := NewGram(n)
	g.AddFloat64(x, d)
	pca, err := GramPCA(g, min(3, n, d))
	if err != nil {
		return nil, err
	}
	r := &Ring{X: make([]float64, n), Y: make([]float64, n), VarianceRatio: pca.VarianceRatio}
	if len(pca.Variance) < 2 {
		return r, nil
	}
	var v2, scale float64
	for i := 0; i < n; i++ {
		r.X[i], r.Y[i] = pca.Scores.At(i, 0), pca.Scores.At(i, 1)
		v2 += r.X[i]*r.X[i] + r.Y[i]*r.Y[i]
		for _, v := range x[i*d : (i+1)*d] {
			scale += v * v
		}
	}
	v2 /= float64(n) // scores are centred: this is var(X) + var(Y)
	scale /= float64(n)
	// A second axis holding a rounding-level share is a line, not a ring.
	if n < 3 || !(v2 > 1e-24*scale) || !(pca.VarianceRatio[1] > 1e-12) {
		return r, nil
	}
	c, err := FitCircle(r.X, r.Y)
	if err != nil {
		return r, nil // collinear: no circle, circularity 0
	}
	r.Circle, r.Fitted = c, true
	var msr float64
	for i := range r.X {
		e := math.Hypot(r.X[i]-c.CX, r.Y[i]-c.CY) - c.R
		msr += e * e
	}
	msr /= float64(n)
	v1r, v2r := pca.VarianceRatio[0], pca.VarianceRatio[1]
	quality := 0.0
	if v1r > 0 {
		quality = (v1r + v2r) * v2r / v1r
	}
	r.Circularity = math.Min(math.Max((1-msr/v2)*quality, 0), 1)
	return r, nil
}

// Angles returns each point's angle around the fitted centre, atan2(Y − CY,
// X − CX) in (−π, π], into dst (allocated if nil). Without a fitted circle the
// angles are around the points' mean (the origin of X, Y).
func (r *Ring) Angles(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(r.X))
	}
	for i := range r.X {
		dst[i] = math.Atan2(r.Y[i]-r.Circle.CY, r.X[i]-r.Circle.CX)
	}
	return dst
}
