package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFitCircleExact(t *testing.T) {
	var x, y []float64
	for i := 0; i < 7; i++ {
		th := 0.3 + float64(i)*0.7 // an arc, unevenly covered
		x = append(x, -2+3*math.Cos(th))
		y = append(y, 1.5+3*math.Sin(th))
	}
	c, err := FitCircle(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if !eq(c.CX, -2, 1e-10) || !eq(c.CY, 1.5, 1e-10) || !eq(c.R, 3, 1e-10) {
		t.Errorf("circle %+v, want centre (-2, 1.5), radius 3", c)
	}
	if _, err := FitCircle([]float64{0, 1, 2, 3}, []float64{1, 3, 5, 7}); err == nil {
		t.Error("collinear points: no error")
	}
	if _, err := FitCircle([]float64{0, 1}, []float64{1, 3}); err == nil {
		t.Error("two points: no error")
	}
}

// ringPoints places n points in d dimensions on a circle of radius rad in a
// random plane around a random centre, point r at angle 2π·k·r/n, plus
// Gaussian noise of standard deviation noise.
func ringPoints(rng *rand.Rand, n, d, k int, rad, noise float64) []float64 {
	u, v := randomOrthonormalPair(rng, d)
	c := make([]float64, d)
	for j := range c {
		c[j] = rng.NormFloat64()
	}
	x := make([]float64, n*d)
	for r := 0; r < n; r++ {
		th := 2 * math.Pi * float64(k*r%n) / float64(n)
		for j := 0; j < d; j++ {
			x[r*d+j] = c[j] + rad*(math.Cos(th)*u[j]+math.Sin(th)*v[j]) + noise*rng.NormFloat64()
		}
	}
	return x
}

func randomOrthonormalPair(rng *rand.Rand, d int) (u, v []float64) {
	u, v = make([]float64, d), make([]float64, d)
	for j := range u {
		u[j], v[j] = rng.NormFloat64(), rng.NormFloat64()
	}
	norm := func(a []float64) {
		var s float64
		for _, x := range a {
			s += x * x
		}
		for j := range a {
			a[j] /= math.Sqrt(s)
		}
	}
	norm(u)
	var dot float64
	for j := range u {
		dot += u[j] * v[j]
	}
	for j := range v {
		v[j] -= dot * u[j]
	}
	norm(v)
	return u, v
}

func TestFitRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n, d = 113, 128
	r, err := FitRing(ringPoints(rng, n, d, 14, 5, 0), n, d)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Fitted || !eq(r.Circularity, 1, 1e-9) || !eq(r.Circle.R, 5, 1e-9) {
		t.Errorf("perfect circle: circularity %v, radius %v", r.Circularity, r.Circle.R)
	}
	if !eq(r.VarianceRatio[0], 0.5, 1e-9) || !eq(r.VarianceRatio[1], 0.5, 1e-9) || r.VarianceRatio[2] > 1e-12 {
		t.Errorf("perfect circle: variance ratios %v", r.VarianceRatio)
	}
	// A slightly noisy circle stays high; a random cloud and a line score low.
	if r, _ := FitRing(ringPoints(rng, n, d, 3, 5, 0.05), n, d); r.Circularity < 0.8 {
		t.Errorf("noisy circle: circularity %v", r.Circularity)
	}
	cloud := make([]float64, n*d)
	for i := range cloud {
		cloud[i] = rng.NormFloat64()
	}
	if r, _ := FitRing(cloud, n, d); r.Circularity > 0.1 {
		t.Errorf("random cloud: circularity %v", r.Circularity)
	}
	line := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			line[i*d+j] = float64(i) * float64(j%5)
		}
	}
	if r, _ := FitRing(line, n, d); r.Circularity != 0 || r.Fitted {
		t.Errorf("line: circularity %v, fitted %v", r.Circularity, r.Fitted)
	}
	same := make([]float64, n*d)
	for i := range same {
		same[i] = float64(i % d)
	}
	if r, _ := FitRing(same, n, d); r.Circularity != 0 || r.Fitted {
		t.Errorf("coincident points: circularity %v", r.Circularity)
	}
	if r, _ := FitRing([]float64{0, 1, 1, 0}, 2, 2); r.Circularity != 0 {
		t.Errorf("two points: circularity %v", r.Circularity)
	}
}
