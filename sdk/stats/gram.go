package stats

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// gramBand is how many columns Gram centers and multiplies at once: a band of
// n×gramBand float64 scratch keeps memory flat however wide the data is.
const gramBand = 2048

// Gram accumulates the centered Gram matrix Xc·Xcᵀ of n observations whose
// variables (columns) arrive in blocks: Xc is X with every column's mean
// removed. Because centering is per column, blocks can be added in any order
// and Grams of disjoint column sets sum to the Gram of their union. This is
// how PCA of very wide data (n checkpoints × a flattened model) runs in
// O(n²) memory without ever concatenating the columns.
//
// The zero value is not usable; call NewGram.
type Gram struct {
	n       int
	g       []float64 // n×n row-major; the upper triangle is authoritative
	scratch []float64 // n×gramBand centered band
}

// NewGram returns an empty Gram for n observations. It panics if n < 1.
func NewGram(n int) *Gram {
	if n < 1 {
		panic(fmt.Sprintf("stats: Gram of %d observations", n))
	}
	return &Gram{n: n, g: make([]float64, n*n)}
}

// N returns the number of observations.
func (g *Gram) N() int { return g.n }

// AddFloat32 adds the columns of x, an n×d row-major block (row i is
// observation i), to the Gram. It panics if len(x) is not n·d.
func (g *Gram) AddFloat32(x []float32, d int) {
	g.add(d, len(x), func(i, j int) float64 { return float64(x[i*d+j]) })
}

// AddFloat64 adds the columns of x, an n×d row-major block (row i is
// observation i), to the Gram. It panics if len(x) is not n·d.
func (g *Gram) AddFloat64(x []float64, d int) {
	g.add(d, len(x), func(i, j int) float64 { return x[i*d+j] })
}

func (g *Gram) add(d, size int, at func(i, j int) float64) {
	n := g.n
	if d < 0 || size != n*d {
		panic(fmt.Sprintf("stats: Gram block of %d values is not %d×%d", size, n, d))
	}
	if d == 0 {
		return
	}
	if g.scratch == nil {
		g.scratch = make([]float64, n*gramBand)
	}
	c := blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: g.g}
	for j0 := 0; j0 < d; j0 += gramBand {
		w := min(gramBand, d-j0)
		band := g.scratch[:n*w]
		for j := 0; j < w; j++ {
			var mean float64
			for i := 0; i < n; i++ {
				v := at(i, j0+j)
				band[i*w+j] = v
				mean += v
			}
			mean /= float64(n)
			for i := 0; i < n; i++ {
				band[i*w+j] -= mean
			}
		}
		a := blas64.General{Rows: n, Cols: w, Stride: w, Data: band}
		blas64.Syrk(blas.NoTrans, 1, a, 1, c)
	}
}

// AddGram adds another Gram over the same observations (the Gram of its
// columns) to g. It panics if the observation counts differ.
func (g *Gram) AddGram(o *Gram) {
	if o.n != g.n {
		panic(fmt.Sprintf("stats: adding a Gram of %d observations to one of %d", o.n, g.n))
	}
	for i, v := range o.g {
		g.g[i] += v
	}
}

// Matrix returns a copy of the accumulated n×n Gram matrix.
func (g *Gram) Matrix() *mat.SymDense {
	s := mat.NewSymDense(g.n, nil)
	for i := 0; i < g.n; i++ {
		for j := i; j < g.n; j++ {
			s.SetSym(i, j, g.g[i*g.n+j])
		}
	}
	return s
}
