package fourier

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Transformer applies a Fourier basis F (p×p) to batches of 1-D signals and
// (a, b) grids held the way a probe's activations arrive: one row per input,
// one column per channel (neuron, head, logit). It keeps its scratch space
// between calls, so it is not safe for concurrent use.
type Transformer struct {
	p    int
	f    blas64.General
	work []float64
}

// NewTransformer returns a Transformer for the p×p row-major basis (as Basis
// or FromTensor return it). The basis is shared, not copied. It panics if
// len(basis) != p*p.
func NewTransformer(basis []float64, p int) *Transformer {
	if p <= 0 || len(basis) != p*p {
		panic(fmt.Sprintf("fourier: basis has %d elements, want p*p = %d", len(basis), p*p))
	}
	return &Transformer{p: p, f: blas64.General{Rows: p, Cols: p, Stride: p, Data: basis}}
}

// P returns the modulus the Transformer was built for.
func (t *Transformer) P() int { return t.p }

// Transform1D sets dst = F·src for src laid out [p, m] (row x, column c):
// dst[i, c] = Σ_x F[i, x] src[x, c]. It panics if len(src) or len(dst) is not
// p*m, or if they overlap.
func (t *Transformer) Transform1D(dst, src []float64, m int) {
	p := t.p
	t.checkLen("Transform1D", dst, src, p*m)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, t.f,
		blas64.General{Rows: p, Cols: m, Stride: m, Data: src}, 0,
		blas64.General{Rows: p, Cols: m, Stride: m, Data: dst})
}

// Transform2D sets dst to the 2-D Fourier coefficients of m grids held in src
// as [p, p, m] (row a*p+b is input (a, b), column c is grid c), which is how a
// probe over all p² pairs delivers an [p², m] activation matrix:
//
//	dst[i, j, c] = Σ_{a,b} F[i, a] F[j, b] src[a, b, c],
//
// that is F·G_c·Fᵀ for every grid G_c. Both contractions are GEMMs: p
// products F·src[a] (p×p by p×m), then one F·T (p×p by p×pm). It panics if
// len(src) or len(dst) is not p*p*m.
func (t *Transformer) Transform2D(dst, src []float64, m int) {
	p := t.p
	n := p * p * m
	t.checkLen("Transform2D", dst, src, n)
	if cap(t.work) < n {
		t.work = make([]float64, n)
	}
	w := t.work[:n]
	// w[a, j, c] = Σ_b F[j, b] src[a, b, c]
	for a := 0; a < p; a++ {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, t.f,
			blas64.General{Rows: p, Cols: m, Stride: m, Data: src[a*p*m : (a+1)*p*m]}, 0,
			blas64.General{Rows: p, Cols: m, Stride: m, Data: w[a*p*m : (a+1)*p*m]})
	}
	// dst[i, (j, c)] = Σ_a F[i, a] w[a, (j, c)]
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, t.f,
		blas64.General{Rows: p, Cols: p * m, Stride: p * m, Data: w}, 0,
		blas64.General{Rows: p, Cols: p * m, Stride: p * m, Data: dst})
}

func (t *Transformer) checkLen(op string, dst, src []float64, n int) {
	if len(src) != n || len(dst) != n {
		panic(fmt.Sprintf("fourier: %s: len(src) = %d, len(dst) = %d, want %d", op, len(src), len(dst), n))
	}
	if n > 0 && &src[0] == &dst[0] {
		panic(fmt.Sprintf("fourier: %s: dst and src overlap", op))
	}
}

// BlockEnergies computes what FreqEnergies computes from Transform2D's
// coefficients, directly from grids held in src as [p, p, m], without forming
// the coefficients that lie in no frequency block: after the first
// contraction (p³m multiply-adds) it needs only the rows of each column's
// block (about 4p²m), which halves the work. energy is laid out [(p-1)/2, m];
// total[c] is grid c's variance energy Σ (G - mean)², set to 0 for a grid
// constant up to rounding. It panics if a length does not match.
func (t *Transformer) BlockEnergies(energy, total, src []float64, m int) {
	p := t.p
	nf := NumFreq(p)
	n := p * p * m
	if len(src) != n || len(energy) != nf*m || len(total) != m {
		panic(fmt.Sprintf("fourier: BlockEnergies: len(src) = %d, len(energy) = %d, len(total) = %d for p = %d, m = %d",
			len(src), len(energy), len(total), p, m))
	}
	if cap(t.work) < n+p*m {
		t.work = make([]float64, n+p*m)
	}
	w := t.work[:n]
	col := t.work[n : n+p*m] // column j = 0 of the coefficients, then scratch
	// w[a, j, c] = Σ_b F[j, b] src[a, b, c]
	for a := 0; a < p; a++ {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, t.f,
			blas64.General{Rows: p, Cols: m, Stride: m, Data: src[a*p*m : (a+1)*p*m]}, 0,
			blas64.General{Rows: p, Cols: m, Stride: m, Data: w[a*p*m : (a+1)*p*m]})
	}
	// wj is the [p (a), m] slice w[:, j, :], stride p*m.
	wj := func(j int) blas64.General {
		return blas64.General{Rows: p, Cols: m, Stride: p * m, Data: w[j*m : (p-1)*p*m+(j+1)*m]}
	}
	clear(energy)
	// Column j = 0: C[i, 0, c] for every i; cell (i, 0), i ≥ 1, is in block Freq(i).
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, t.f, wj(0), 0,
		blas64.General{Rows: p, Cols: m, Stride: m, Data: col})
	for i := 1; i < p; i++ {
		e := energy[(Freq(i)-1)*m : Freq(i)*m]
		for c, v := range col[i*m : (i+1)*m] {
			e[c] += v * v
		}
	}
	// Columns j ≥ 1: only rows {0, 2k-1, 2k} of frequency k = Freq(j).
	for j := 1; j < p; j++ {
		k := Freq(j)
		for _, i := range [3]int{0, 2*k - 1, 2 * k} {
			row := col[:m]
			blas64.Gemv(blas.Trans, 1, wj(j), blas64.Vector{N: p, Inc: 1, Data: t.f.Data[i*p : (i+1)*p]}, 0,
				blas64.Vector{N: m, Inc: 1, Data: row})
			e := energy[(k-1)*m : k*m]
			for c, v := range row {
				e[c] += v * v
			}
		}
	}
	// Variance energy directly, not as Σ G² - C00², which cancels badly when
	// the mean dominates.
	clear(total)
	inv := 1 / float64(p*p)
	mean := col[:m] // reuse: col's first row is no longer needed
	clear(mean)
	for r := 0; r < p*p; r++ {
		for c, v := range src[r*m : (r+1)*m] {
			mean[c] += v
		}
	}
	for c := range mean {
		mean[c] *= inv
	}
	raw := col[m : 2*m]
	clear(raw)
	for r := 0; r < p*p; r++ {
		for c, v := range src[r*m : (r+1)*m] {
			d := v - mean[c]
			total[c] += d * d
			raw[c] += v * v
		}
	}
	for c := range total {
		if total[c] <= noiseFloor*raw[c] {
			total[c] = 0
		}
	}
}
