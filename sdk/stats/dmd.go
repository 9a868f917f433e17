package stats

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// DMD is an exact dynamic mode decomposition (Tu et al. 2014) of a
// trajectory x_0 … x_{T-1}: the best linear map A with x_{t+1} ≈ A·x_t,
// reduced to rank r, as eigenvalues λ_i and modes φ_i with
// x_t ≈ Σ_i α_i λ_i^t φ_i.
type DMD struct {
	// Rank is r, the number of modes.
	Rank int
	// SingularValues of the snapshot matrix [x_0 … x_{T-2}], descending
	// (min(state, T-1) of them).
	SingularValues []float64
	// Eigenvalues λ_i (r), by descending modulus, then descending real
	// and imaginary part (conjugate pairs: positive imaginary part first).
	Eigenvalues []complex128
	// Modes is state×r row-major: Modes[j*r+i] is entry j of φ_i. Each mode
	// is the exact DMD mode X'·V·Σ⁻¹·w_i with w_i a unit eigenvector of the
	// reduced operator (largest component real, as LAPACK returns them).
	Modes []complex128
	// Amplitudes α (r): the least-squares coordinates of x_0 on the modes.
	Amplitudes []complex128
	// Residuals (T-1): ‖x_{t+1} − Re(Φ·Λ·Φ⁺·x_t)‖, the one-step prediction
	// error of the linear model at each step.
	Residuals []float64
}

// ExactDMD decomposes the trajectory x (laid out steps×state, row t is x_t,
// at least two steps), keeping the smallest rank whose squared singular
// values hold at least energy (in (0, 1]) of the snapshot matrix's total. A
// trajectory whose snapshots are all zero has rank 0: no modes, and the
// residuals are ‖x_{t+1}‖. It returns an error if an SVD or
// eigendecomposition fails, and panics on a bad length or energy.
func ExactDMD(x []float64, steps, state int, energy float64) (*DMD, error) {
	if steps < 2 || state < 1 || len(x) != steps*state {
		panic(fmt.Sprintf("stats: ExactDMD: %d values are not %d steps (≥ 2) of %d", len(x), steps, state))
	}
	if !(energy > 0 && energy <= 1) {
		panic(fmt.Sprintf("stats: ExactDMD: energy %v, want (0, 1]", energy))
	}
	m := steps - 1
	// Snapshots as columns: X = [x_0 … x_{T-2}], X' = [x_1 … x_{T-1}].
	X := mat.NewDense(m, state, x[:m*state]).T()
	Xp := mat.NewDense(m, state, x[state:]).T()
	var svd mat.SVD
	if !svd.Factorize(X, mat.SVDThin) {
		return nil, errors.New("stats: DMD: SVD of the snapshots did not converge")
	}
	s := svd.Values(nil)
	d := &DMD{SingularValues: s, Rank: truncationRank(s, energy)}
	if d.Rank == 0 {
		d.Residuals = make([]float64, m)
		for t := range d.Residuals {
			d.Residuals[t] = mat.Norm(mat.NewVecDense(state, x[(t+1)*state:(t+2)*state]), 2)
		}
		return d, nil
	}
	r := d.Rank
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	ur := u.Slice(0, state, 0, r)
	// B = X'·V_r·Σ_r⁻¹ (state×r); the reduced operator is Ã = U_rᵀ·B.
	var b mat.Dense
	b.Mul(Xp, v.Slice(0, m, 0, r))
	for i := 0; i < r; i++ {
		col := b.ColView(i).(*mat.VecDense)
		col.ScaleVec(1/s[i], col)
	}
	var at mat.Dense
	at.Mul(ur.T(), &b)
	var eig mat.Eigen
	if !eig.Factorize(&at, mat.EigenRight) {
		return nil, errors.New("stats: DMD: eigendecomposition of the reduced operator did not converge")
	}
	vals := eig.Values(nil)
	var w mat.CDense
	eig.VectorsTo(&w)
	order := make([]int, r)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, c int) bool { return eigenLess(vals[order[a]], vals[order[c]]) })
	d.Eigenvalues = make([]complex128, r)
	d.Modes = make([]complex128, state*r)
	for i, o := range order {
		d.Eigenvalues[i] = vals[o]
		for j := 0; j < state; j++ {
			var z complex128
			for l := 0; l < r; l++ {
				z += complex(b.At(j, l), 0) * w.At(l, o)
			}
			d.Modes[j*r+i] = z
		}
	}
	coords, err := complexLstsq(d.Modes, state, r, x, steps)
	if err != nil {
		return nil, err
	}
	d.Amplitudes = coords[:r]
	d.Residuals = make([]float64, m)
	for t := 0; t < m; t++ {
		zt := coords[t*r : (t+1)*r]
		var sq float64
		for j := 0; j < state; j++ {
			var pred float64
			for i := 0; i < r; i++ {
				pred += real(d.Modes[j*r+i] * d.Eigenvalues[i] * zt[i])
			}
			e := x[(t+1)*state+j] - pred
			sq += e * e
		}
		d.Residuals[t] = math.Sqrt(sq)
	}
	return d, nil
}

// eigenLess orders eigenvalues by descending modulus, then real part, then
// imaginary part, so that runs are deterministic whatever order LAPACK
// returns.
func eigenLess(a, b complex128) bool {
	if ma, mb := cmplx.Abs(a), cmplx.Abs(b); math.Abs(ma-mb) > 1e-12*math.Max(ma, mb) {
		return ma > mb
	}
	if real(a) != real(b) {
		return real(a) > real(b)
	}
	return imag(a) > imag(b)
}

// truncationRank returns the smallest r whose squared singular values hold
// at least energy of the total (0 when all are zero).
func truncationRank(s []float64, energy float64) int {
	var total float64
	for _, v := range s {
		total += v * v
	}
	if total == 0 {
		return 0
	}
	var cum float64
	for i, v := range s {
		cum += v * v
		if cum >= energy*total*(1-1e-12) {
			return i + 1
		}
	}
	return len(s)
}

// complexLstsq returns the minimum-norm least-squares coordinates z_t of each
// real row x_t (steps rows of state values) on the columns of the complex
// state×r matrix phi (row-major), laid out steps×r: z_t = Φ⁺·x_t. Complex
// least squares is real least squares on the embedding [[A, −B], [B, A]] of
// Φ = A + iB, solved through its SVD with LAPACK's default cut-off
// (ε·max(dimensions)·σ₁) so that a rank-deficient Φ still has an answer.
func complexLstsq(phi []complex128, state, r int, x []float64, steps int) ([]complex128, error) {
	emb := mat.NewDense(2*state, 2*r, nil)
	for j := 0; j < state; j++ {
		for i := 0; i < r; i++ {
			a, b := real(phi[j*r+i]), imag(phi[j*r+i])
			emb.Set(j, i, a)
			emb.Set(j, r+i, -b)
			emb.Set(state+j, i, b)
			emb.Set(state+j, r+i, a)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(emb, mat.SVDThin) {
		return nil, errors.New("stats: DMD: SVD of the modes did not converge")
	}
	sv := svd.Values(nil)
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	cut := 0.0
	if len(sv) > 0 {
		cut = float64(max(2*state, 2*r)) * 0x1p-52 * sv[0]
	}
	// rhs has the real rows x_t as columns over a zero imaginary half.
	rhs := mat.NewDense(2*state, steps, nil)
	for t := 0; t < steps; t++ {
		for j := 0; j < state; j++ {
			rhs.Set(j, t, x[t*state+j])
		}
	}
	var ut mat.Dense
	ut.Mul(u.T(), rhs)
	for i, s := range sv {
		row := ut.RawRowView(i)
		f := 0.0
		if s > cut {
			f = 1 / s
		}
		for t := range row {
			row[t] *= f
		}
	}
	var sol mat.Dense
	sol.Mul(&v, &ut)
	out := make([]complex128, steps*r)
	for t := 0; t < steps; t++ {
		for i := 0; i < r; i++ {
			out[t*r+i] = complex(sol.At(i, t), sol.At(r+i, t))
		}
	}
	return out, nil
}
