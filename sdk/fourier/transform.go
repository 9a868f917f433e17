package fourier

import "fmt"

// Transformer applies a Fourier basis F (p×p) to batches of 1-D signals and
// (a, b) grids held the way a probe's activations arrive: one row per input,
// one column per channel (neuron, head, logit). It keeps its scratch space
// between calls, so it is not safe for concurrent use.
type Transformer struct {
	p    int
	f    []float64
	work []float64
}

// NewTransformer returns a Transformer for the p×p row-major basis (as Basis
// or FromTensor return it). The basis is shared, not copied. It panics if
// len(basis) != p*p.
func NewTransformer(basis []float64, p int) *Transformer {
	if p <= 0 || len(basis) != p*p {
		panic(fmt.Sprintf("fourier: basis has %d elements, want p*p = %d", len(basis), p*p))
	}
	return &Transformer{p: p, f: basis}
}

// P returns the modulus the Transformer was built for.
func (t *Transformer) P() int { return t.p }

// Transform1D sets dst = F·src for src laid out [p, m] (row x, column c):
// dst[i, c] = Σ_x F[i, x] src[x, c]. It panics if len(src) or len(dst) is not
// p*m, or if they overlap.
func (t *Transformer) Transform1D(dst, src []float64, m int) {
	p := t.p
	t.checkLen("Transform1D", dst, src, p*m)
	gemm(p, m, p, t.f, p, src, m, dst, m)
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
		gemm(p, m, p, t.f, p, src[a*p*m:(a+1)*p*m], m, w[a*p*m:(a+1)*p*m], m)
	}
	// dst[i, (j, c)] = Σ_a F[i, a] w[a, (j, c)]
	gemm(p, p*m, p, t.f, p, w, p*m, dst, p*m)
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
// the coefficients that lie in no frequency block. Block energies and totals
// do not change when a grid is transposed (each block {0,2k-1,2k}² is
// symmetric), so the first contraction runs over the leading axis as one GEMM
// F·src (p×p by p×pm); after it only the rows of each block are needed
// (about 4p²m multiply-adds instead of another p³m). energy is laid out
// [(p-1)/2, m]; total[c] is grid c's variance energy Σ (G - mean)², set to 0
// for a grid constant up to rounding. It panics if a length does not match.
func (t *Transformer) BlockEnergies(energy, total, src []float64, m int) {
	p := t.p
	nf := NumFreq(p)
	n := p * p * m
	if len(src) != n || len(energy) != nf*m || len(total) != m {
		panic(fmt.Sprintf("fourier: BlockEnergies: len(src) = %d, len(energy) = %d, len(total) = %d for p = %d, m = %d",
			len(src), len(energy), len(total), p, m))
	}
	if cap(t.work) < n+p*m+3*p {
		t.work = make([]float64, n+p*m+3*p)
	}
	w := t.work[:n]                 // w[j, b, c] = Σ_a F[j, a] src[a, b, c]
	col := t.work[n : n+p*m]        // C[j, :, :] for one j
	f3 := t.work[n+p*m : n+p*m+3*p] // basis rows 0, 2k-1, 2k
	gemm(p, p*m, p, t.f, p, src, p*m, w, p*m)
	wj := func(j int) []float64 { return w[j*p*m : (j+1)*p*m] }
	clear(energy)
	// C[j, i, c] = Σ_b F[i, b] w[j, b, c]. Row j = 0 needs every i: cell
	// (0, i), i ≥ 1, is in block Freq(i).
	gemm(p, m, p, t.f, p, wj(0), m, col, m)
	for i := 1; i < p; i++ {
		addSquares(energy[(Freq(i)-1)*m:Freq(i)*m], col[i*m:(i+1)*m])
	}
	// Rows j ≥ 1 need only i ∈ {0, 2k-1, 2k}, k = Freq(j).
	copy(f3[:p], t.f[:p])
	for j := 1; j < p; j++ {
		k := Freq(j)
		copy(f3[p:], t.f[(2*k-1)*p:(2*k+1)*p])
		gemm(3, m, p, f3, p, wj(j), m, col[:3*m], m)
		e := energy[(k-1)*m : k*m]
		for r := 0; r < 3; r++ {
			addSquares(e, col[r*m:(r+1)*m])
		}
	}
	// Variance energy directly, not as Σ G² - C[0,0]², which cancels badly
	// when the mean dominates.
	mean, raw := col[:m], col[m:2*m]
	clear(mean)
	clear(raw)
	for r := 0; r < p*p; r++ {
		for c, v := range src[r*m : (r+1)*m] {
			mean[c] += v
		}
	}
	for c := range mean {
		mean[c] /= float64(p * p)
	}
	clear(total)
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

// addSquares adds the squares of x to dst elementwise.
func addSquares(dst, x []float64) {
	for c, v := range x {
		dst[c] += v * v
	}
}
