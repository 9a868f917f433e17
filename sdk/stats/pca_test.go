package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func TestPCAPointsOnALine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d = 12, 300
	origin := make([]float64, d)
	dir := make([]float64, d)
	var norm float64
	for j := range dir {
		origin[j] = rng.NormFloat64()
		dir[j] = rng.NormFloat64()
		norm += dir[j] * dir[j]
	}
	norm = math.Sqrt(norm)
	ts := make([]float64, n)
	x := mat.NewDense(n, d, nil)
	for i := range ts {
		ts[i] = 10 * rng.Float64()
		for j := range dir {
			x.Set(i, j, origin[j]+ts[i]*dir[j]/norm)
		}
	}
	p, err := PrincipalComponents(x, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !scalar.EqualWithinAbsOrRel(p.VarianceRatio[0], 1, 1e-10, 1e-10) {
		t.Errorf("PC1 explained variance ratio %v, want 1", p.VarianceRatio[0])
	}
	for c := 1; c < 3; c++ {
		if math.Abs(p.VarianceRatio[c]) > 1e-10 {
			t.Errorf("PC%d explained variance ratio %v, want 0", c+1, p.VarianceRatio[c])
		}
	}
	// Scores on PC1 are the line parameter, centered, up to sign.
	var mean float64
	for _, v := range ts {
		mean += v / n
	}
	sign := math.Copysign(1, p.Scores.At(0, 0)*(ts[0]-mean))
	for i, v := range ts {
		if got := p.Scores.At(i, 0); !scalar.EqualWithinAbsOrRel(got, sign*(v-mean), 1e-9, 1e-9) {
			t.Errorf("score %d = %v, want %v", i, got, sign*(v-mean))
		}
	}
}

// TestPCAMatchesGonum checks variances and scores (up to sign) against
// gonum's SVD-based stat.PC on random data, tall and wide.
func TestPCAMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range []struct{ n, d int }{{20, 5}, {7, 40}, {30, 4500}} {
		x := mat.NewDense(sz.n, sz.d, nil)
		for i := 0; i < sz.n; i++ {
			for j := 0; j < sz.d; j++ {
				x.Set(i, j, rng.NormFloat64()*float64(1+j%3)+float64(i))
			}
		}
		k := min(sz.n, sz.d)
		p, err := PrincipalComponents(x, k)
		if err != nil {
			t.Fatal(err)
		}
		var pc stat.PC
		if !pc.PrincipalComponents(x, nil) {
			t.Fatal("gonum PCA failed")
		}
		vars := pc.VarsTo(nil)
		var vecs mat.Dense
		pc.VectorsTo(&vecs)
		var centered mat.Dense
		centered.CloneFrom(x)
		for j := 0; j < sz.d; j++ {
			col := mat.Col(nil, j, x)
			m := stat.Mean(col, nil)
			for i := 0; i < sz.n; i++ {
				centered.Set(i, j, col[i]-m)
			}
		}
		var ref mat.Dense
		ref.Mul(&centered, &vecs)
		var total float64
		for _, v := range vars {
			total += v
		}
		if !scalar.EqualWithinAbsOrRel(p.TotalVariance, total, 1e-9, 1e-9) {
			t.Errorf("%v: total variance %v, gonum %v", sz, p.TotalVariance, total)
		}
		for c := 0; c < k; c++ {
			if !scalar.EqualWithinAbsOrRel(p.Variance[c], vars[c], 1e-8, 1e-8) {
				t.Errorf("%v: variance %d = %v, gonum %v", sz, c, p.Variance[c], vars[c])
			}
			if vars[c] < 1e-8*vars[0] {
				continue // null directions have no defined scores
			}
			sign := math.Copysign(1, p.Scores.At(0, c)*ref.At(0, c))
			for i := 0; i < sz.n; i++ {
				if got, want := p.Scores.At(i, c), sign*ref.At(i, c); !scalar.EqualWithinAbsOrRel(got, want, 1e-7, 1e-7) {
					t.Fatalf("%v: score (%d,%d) = %v, gonum %v", sz, i, c, got, want)
				}
			}
		}
	}
}

func TestGramBlocksSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d1, d2 = 9, 5000, 13
	a := make([]float32, n*d1)
	b := make([]float64, n*d2)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	whole := mat.NewDense(n, d1+d2, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d1; j++ {
			whole.Set(i, j, float64(a[i*d1+j]))
		}
		for j := 0; j < d2; j++ {
			whole.Set(i, d1+j, b[i*d2+j])
		}
	}
	ga, gb, gw := NewGram(n), NewGram(n), NewGram(n)
	ga.AddFloat32(a, d1)
	gb.AddFloat64(b, d2)
	ga.AddGram(gb)
	gw.AddFloat64(whole.RawMatrix().Data, d1+d2)
	if !mat.EqualApprox(ga.Matrix(), gw.Matrix(), 1e-9) {
		t.Error("Gram of blocks differs from Gram of the whole")
	}
}

func TestPCAErrors(t *testing.T) {
	if _, err := GramPCA(NewGram(3), 0); err == nil {
		t.Error("GramPCA with 0 components gave no error")
	}
	// Coincident points: zero variance, zero ratios, no NaN.
	p, err := PrincipalComponents(mat.NewDense(4, 3, []float64{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}), 2)
	if err != nil {
		t.Fatal(err)
	}
	for c, r := range p.VarianceRatio {
		if r != 0 || math.IsNaN(p.Scores.At(0, c)) {
			t.Errorf("coincident points: ratio %v, score %v", r, p.Scores.At(0, c))
		}
	}
}

func BenchmarkGramPCA(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	// Checkpoints × flattened weights; 225k is the calibration model's size.
	for _, sz := range []struct{ n, d int }{{20, 20000}, {95, 20000}, {95, 225000}} {
		x := make([]float32, sz.n*sz.d)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		b.Run(fmt.Sprintf("n=%d/d=%d", sz.n, sz.d), func(b *testing.B) {
			for b.Loop() {
				g := NewGram(sz.n)
				g.AddFloat32(x, sz.d)
				if _, err := GramPCA(g, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
