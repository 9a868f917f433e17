package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

func eq(a, b, tol float64) bool { return scalar.EqualWithinAbsOrRel(a, b, tol, tol) }

// TestClassGeometryKnown builds two classes with known centroids, radii and
// shapes: class 0 varies along one axis only (dimensionality 1), class 1
// equally along three (dimensionality 3); rows labelled -1 are left out.
func TestClassGeometryKnown(t *testing.T) {
	const d = 4
	var x []float32
	var labels []int
	add := func(c int, v ...float32) { x = append(x, v...); labels = append(labels, c) }
	// Class 0 around (1, 2, 0, 0): ±3 along axis 0.
	add(0, 4, 2, 0, 0)
	add(0, -2, 2, 0, 0)
	// Class 1 around (0, 0, 5, 5): ±1 along axes 0, 1 and 2.
	for _, s := range []float32{1, -1} {
		add(1, s, 0, 5, 5)
		add(1, 0, s, 5, 5)
		add(1, 0, 0, 5+s, 5)
	}
	add(-1, 100, 100, 100, 100) // ungrouped: must not move anything
	cent := make([]float64, 3*d)
	counts := ClassCentroids(cent, x, d, labels)
	want := []float64{1, 2, 0, 0, 0, 0, 5, 5, 0, 0, 0, 0}
	for i, w := range want {
		if !eq(cent[i], w, 1e-12) {
			t.Fatalf("centroids = %v, want %v", cent, want)
		}
	}
	if counts[0] != 2 || counts[1] != 6 || counts[2] != 0 {
		t.Errorf("counts = %v", counts)
	}
	radii, dims := make([]float64, 3), make([]float64, 3)
	ClassSpread(radii, dims, x, d, labels, cent)
	// Class 1: every row is at distance 1 from the centroid.
	for c, w := range []struct{ r, dim float64 }{{3, 1}, {1, 3}, {0, 0}} {
		if !eq(radii[c], w.r, 1e-12) || !eq(dims[c], w.dim, 1e-12) {
			t.Errorf("class %d: radius %v, dimensionality %v, want %v, %v", c, radii[c], dims[c], w.r, w.dim)
		}
	}
	if s := CenterSpread(cent[:2*d], d); !eq(s, math.Sqrt(1+4+25+25)/2, 1e-12) {
		t.Errorf("center spread %v", s)
	}
	fs := Fisher(cent[:2*d], d, radii[:2])
	if !eq(fs.Mean, 55.0/10, 1e-12) || fs.Min != fs.Mean || fs.ArgminR != 0 || fs.ArgminS != 1 || fs.Pairs != 1 {
		t.Errorf("Fisher = %+v, want J = 55/10 for pair (0, 1)", fs)
	}
}

// TestClassSpreadMatchesEigen checks the trace/Frobenius participation ratio
// against the eigenvalues of the covariance, on both sides of the
// rows-versus-dimensions switch.
func TestClassSpreadMatchesEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, sz := range []struct{ rows, d int }{{30, 5}, {6, 40}} {
		x := make([]float64, sz.rows*sz.d)
		for i := range x {
			x[i] = rng.NormFloat64() * float64(1+i%sz.d)
		}
		labels := make([]int, sz.rows)
		cent := make([]float64, sz.d)
		ClassCentroids(cent, x, sz.d, labels)
		r, dim := make([]float64, 1), make([]float64, 1)
		ClassSpread(r, dim, x, sz.d, labels, cent)
		xc := make([]float64, len(x))
		for i := range x {
			xc[i] = x[i] - cent[i%sz.d]
		}
		g := NewGram(sz.rows)
		g.AddFloat64(xc, sz.d)
		p, err := GramPCA(g, sz.rows)
		if err != nil {
			t.Fatal(err)
		}
		var s, s2 float64
		for _, v := range p.Variance {
			s += v
			s2 += v * v
		}
		if !eq(dim[0], s*s/s2, 1e-9) {
			t.Errorf("%v: dimensionality %v, eigenvalues give %v", sz, dim[0], s*s/s2)
		}
		if !eq(r[0]*r[0], p.TotalVariance*float64(sz.rows-1)/float64(sz.rows), 1e-9) {
			t.Errorf("%v: radius² %v, total variance %v", sz, r[0]*r[0], p.TotalVariance)
		}
	}
}

func TestFisherSkipsDegeneratePairs(t *testing.T) {
	// Three classes on a line at 0, 1 and 5; class 0 and 1 have radius 0,
	// so only pairs with class 2 count: J(0,2) = 25/4, J(1,2) = 16/4.
	fs := Fisher([]float64{0, 1, 5}, 1, []float64{0, 0, 2})
	if fs.Pairs != 2 || !eq(fs.Min, 4, 1e-12) || !eq(fs.Mean, (25.0/4+4)/2, 1e-12) || fs.ArgminR != 1 || fs.ArgminS != 2 {
		t.Errorf("Fisher = %+v", fs)
	}
	if fs := Fisher([]float64{1, 1}, 1, []float64{0, 0}); fs.Pairs != 0 || fs.Mean != 0 || fs.ArgminR != -1 {
		t.Errorf("no finite pair: %+v", fs)
	}
	for _, tc := range [][3]int{{0, 1, 1}, {0, 112, 1}, {3, 60, 56}, {5, 5, 0}} {
		if got := CircularDistance(tc[0], tc[1], 113); got != tc[2] {
			t.Errorf("CircularDistance(%d, %d) = %d, want %d", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestMeasureClasses(t *testing.T) {
	// Four classes at the corners of a square of side 2 (a circle through
	// them), each two samples ±0.5 along axis 2; one ungrouped sample.
	var x []float64
	var labels []int
	for c, p := range [][2]float64{{1, 1}, {-1, 1}, {-1, -1}, {1, -1}} {
		for _, s := range []float64{0.5, -0.5} {
			x = append(x, p[0], p[1], s)
			labels = append(labels, c)
		}
	}
	x = append(x, 9, 9, 9)
	labels = append(labels, -1)
	g, err := MeasureClasses(x, 3, labels, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !eq(g.MeanRadius, 0.5, 1e-12) || !eq(g.MeanDim, 1, 1e-12) || !eq(g.CenterSpread, math.Sqrt2, 1e-12) || !eq(g.SNR, 8, 1e-12) {
		t.Errorf("radius %v, dim %v, spread %v, SNR %v; want 0.5, 1, √2, 8", g.MeanRadius, g.MeanDim, g.CenterSpread, g.SNR)
	}
	if !g.Ring.Fitted || !eq(g.Ring.Circularity, 1, 1e-9) || !eq(g.Ring.Circle.R, math.Sqrt2, 1e-9) {
		t.Errorf("ring %+v", g.Ring)
	}
	// Adjacent corners: J = 4 / (0.25 + 0.25) = 8; diagonal ones 16.
	if !eq(g.Fisher.Min, 8, 1e-12) || !eq(g.Fisher.Mean, (4*8+2*16)/6.0, 1e-12) || g.Fisher.ArgminR != 0 || g.Fisher.ArgminS != 1 {
		t.Errorf("Fisher %+v", g.Fisher)
	}
	if g.Counts[0] != 2 || len(g.Counts) != 4 {
		t.Errorf("counts %v", g.Counts)
	}
}
