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
func (g *Gram) AddFloat32(x []float32, d int) { addBlock(g, x, d) }

// AddFloat64 adds the columns of x, an n×d row-major block (row i is
// observation i), to the Gram. It panics if len(x) is not n·d.
func (g *Gram) AddFloat64(x []float64, d int) { addBlock(g, x, d) }

func addBlock[T float32 | float64](g *Gram, x []T, d int) {
	n := g.n
	if d < 0 || len(x) != n*d {
		panic(fmt.Sprintf("stats: Gram block of %d values is not %d×%d", len(x), n, d))
	}
	if d == 0 {
		return
	}
	if g.scratch == nil {
		g.scratch = make([]float64, n*gramBand+gramBand)
	}
	c := blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: g.g}
	for j0 := 0; j0 < d; j0 += gramBand {
		w := min(gramBand, d-j0)
		band, mean := g.scratch[:n*w], g.scratch[n*gramBand:n*gramBand+w]
		// Row by row, so that x is read contiguously: first the column
		// means, then the centered copy.
		clear(mean)
		for i := 0; i < n; i++ {
			for j, v := range x[i*d+j0 : i*d+j0+w] {
				mean[j] += float64(v)
			}
		}
		inv := 1 / float64(n)
		for j := range mean {
			mean[j] *= inv
		}
		for i := 0; i < n; i++ {
			row := band[i*w : (i+1)*w]
			for j, v := range x[i*d+j0 : i*d+j0+w] {
				row[j] = float64(v) - mean[j]
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
