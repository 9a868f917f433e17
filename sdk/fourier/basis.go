package fourier

import (
	"fmt"
	"math"

	"github.com/tdw-workbench/tdw/sdk"
)

// Order names the row order of Basis, recorded in artifacts that hold
// Fourier coefficients.
const Order = "const,cos1,sin1,cos2,sin2,..."

// NumFreq returns the number of non-constant frequencies, (p-1)/2.
func NumFreq(p int) int { return (p - 1) / 2 }

// Freq returns the frequency k of basis row i: 0 for the constant row, k for
// rows 2k-1 (cos) and 2k (sin).
func Freq(i int) int { return (i + 1) / 2 }

// Basis returns the p×p orthonormal Fourier basis over Z_p in row-major order
// (see the package documentation for the layout). It panics if p is not an
// odd number ≥ 3: an even p has a Nyquist row that the cos/sin pairing cannot
// hold.
func Basis(p int) []float64 {
	checkP(p)
	b := make([]float64, p*p)
	c0 := 1 / math.Sqrt(float64(p))
	s := math.Sqrt(2 / float64(p)) // unit norm of cos and sin rows for odd p
	for x := 0; x < p; x++ {
		b[x] = c0
	}
	for k := 1; k <= NumFreq(p); k++ {
		cos, sin := b[(2*k-1)*p:2*k*p], b[2*k*p:(2*k+1)*p]
		for x := 0; x < p; x++ {
			// Reduce k·x mod p first so the angle stays in [0, 2π) and
			// rounding does not grow with p².
			th := 2 * math.Pi * float64(k*x%p) / float64(p)
			cos[x] = s * math.Cos(th)
			sin[x] = s * math.Sin(th)
		}
	}
	return b
}

// BasisTensor returns Basis(p) as a float64 [p, p] tensor, the form of the
// "fourier_basis" analysis-context entry. It panics as Basis does.
func BasisTensor(p int) *sdk.Tensor { return sdk.FromFloat64(Basis(p), p, p) }

// FromTensor checks that t is the Fourier basis Basis builds (float64, [p, p]
// with p odd ≥ 3, every element within 1e-6)
// and returns its row-major elements (shared with t) and p. Errors name the
// context key "fourier_basis".
func FromTensor(t *sdk.Tensor) ([]float64, int, error) {
	if t == nil {
		return nil, 0, fmt.Errorf("context %q is missing", ContextKey)
	}
	sh := t.Shape()
	if t.DType() != sdk.Float64 || len(sh) != 2 || sh[0] != sh[1] {
		return nil, 0, fmt.Errorf("context %q is %v, want float64 [p, p]", ContextKey, t)
	}
	p := sh[0]
	if p < 3 || p%2 == 0 {
		return nil, 0, fmt.Errorf("context %q has p = %d, want an odd p ≥ 3", ContextKey, p)
	}
	b := t.Float64s()
	// Compare with the basis built here: a transposed, unnormalized or
	// sin-then-cos basis would silently corrupt every fraction downstream.
	const tol = 1e-6
	for i, w := range Basis(p) {
		if math.Abs(b[i]-w) > tol {
			return nil, 0, fmt.Errorf("context %q: element [%d, %d] is %g, want %g (rows must be const, cos1, sin1, cos2, ...)", "fourier_basis", i/p, i%p, b[i], w)
		}
	}
	return b, p, nil
}

func checkP(p int) {
	if p < 3 || p%2 == 0 {
		panic(fmt.Sprintf("fourier: p = %d, want an odd number ≥ 3", p))
	}
}

// ContextKey is the run-context key under which a family hands analyzers the
// Fourier basis (docs/families.md).
const ContextKey = "fourier_basis"

// FromContext checks the basis in a run's context (see FromTensor) and
// returns a Transformer over it: what every Fourier analyzer's Begin needs.
func FromContext(ctx map[string]*sdk.Tensor) (*Transformer, error) {
	basis, p, err := FromTensor(ctx[ContextKey])
	if err != nil {
		return nil, err
	}
	return NewTransformer(basis, p), nil
}
