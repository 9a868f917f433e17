package progress

import (
	"math"

	"github.com/tdw-workbench/tdw/sdk/fourier"
)

// EnergyShares returns, for each frequency k, the neurons' total energy in
// the frequency-k block over their total energy in all blocks: frac is laid
// out [nf, m] (fractions of each neuron's variance, as
// fourier.NeuronFractions returns them) and total holds each neuron's
// variance energy. All shares are 0 when no neuron has block energy.
func EnergyShares(frac, total []float64, nf int) []float64 {
	m := len(total)
	share := make([]float64, nf)
	var all float64
	for k := 0; k < nf; k++ {
		for n, f := range frac[k*m : (k+1)*m] {
			share[k] += f * total[n]
		}
		all += share[k]
	}
	if all > 0 {
		for k := range share {
			share[k] /= all
		}
	}
	return share
}

// DiscoverKeys returns, ascending, the frequencies whose share is at least
// ratio times the uniform share 1/len(share).
func DiscoverKeys(share []float64, ratio float64) []int {
	var keys []int
	min := ratio / float64(len(share))
	for k, s := range share {
		if s > 0 && s >= min {
			keys = append(keys, k+1)
		}
	}
	return keys
}

// Decompose splits logits [p², v] (row a*p+b is input (a, b)) along the key
// frequencies: with u_k^cos(a, b) = cos(w_k(a+b)) and u_k^sin likewise, unit
// normalized over the p² inputs, and P the projection of each output column
// on their span,
//
//	restricted = mean over inputs + P·logits
//	excluded   = logits - P·logits
//
// Both depend on (a, b) only through s = (a+b) mod p, so the projection is
// computed on the anti-diagonal sums S[s, c] = Σ_{a+b≡s} logits[(a, b), c]:
// O(p²v) instead of O(p²v·keys).
func Decompose(logits []float64, p, v int, keys []int) (restricted, excluded []float64) {
	n := p * p
	sums := make([]float64, p*v)
	mean := make([]float64, v)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			s := (a + b) % p
			row := logits[(a*p+b)*v : (a*p+b+1)*v]
			dst := sums[s*v : (s+1)*v]
			for c, x := range row {
				dst[c] += x
				mean[c] += x
			}
		}
	}
	for c := range mean {
		mean[c] /= float64(n)
	}
	// comp[s, c] = Σ_k Σ_{u ∈ {cos, sin}} (u·logits_c) u(s), with
	// u(s) = √2/p · cos(w_k s) (its norm over the p² inputs is 1) and
	// u·logits_c = Σ_s u(s) S[s, c].
	comp := make([]float64, p*v)
	norm := math.Sqrt2 / float64(p)
	us := [2][]float64{make([]float64, p), make([]float64, p)}
	for _, k := range keys {
		for s := 0; s < p; s++ {
			th := 2 * math.Pi * float64(k*s%p) / float64(p)
			us[0][s], us[1][s] = norm*math.Cos(th), norm*math.Sin(th)
		}
		for _, u := range us {
			coef := make([]float64, v)
			for s := 0; s < p; s++ {
				for c, x := range sums[s*v : (s+1)*v] {
					coef[c] += u[s] * x
				}
			}
			for s := 0; s < p; s++ {
				dst := comp[s*v : (s+1)*v]
				for c, x := range coef {
					dst[c] += x * u[s]
				}
			}
		}
	}
	restricted = make([]float64, n*v)
	excluded = make([]float64, n*v)
	for a := 0; a < p; a++ {
		for b := 0; b < p; b++ {
			r := a*p + b
			cs := comp[((a+b)%p)*v : ((a+b)%p+1)*v]
			for c := 0; c < v; c++ {
				restricted[r*v+c] = mean[c] + cs[c]
				excluded[r*v+c] = logits[r*v+c] - cs[c]
			}
		}
	}
	return restricted, excluded
}

// CrossEntropy returns the mean cross-entropy (log-softmax in float64) and
// the accuracy of logits [n, v] against labels over the rows where
// mask[r] == want (every row when mask is nil). It returns NaN for both when
// no row is selected.
func CrossEntropy(logits []float64, v int, labels []int64, mask []bool, want bool) (loss, acc float64) {
	var sum float64
	var correct, rows int
	for r, lab := range labels {
		if mask != nil && mask[r] != want {
			continue
		}
		row := logits[r*v : (r+1)*v]
		mx, arg := math.Inf(-1), 0
		for c, x := range row {
			if x > mx {
				mx, arg = x, c
			}
		}
		var z float64
		for _, x := range row {
			z += math.Exp(x - mx)
		}
		sum += mx + math.Log(z) - row[lab]
		if arg == int(lab) {
			correct++
		}
		rows++
	}
	if rows == 0 {
		return math.NaN(), math.NaN()
	}
	return sum / float64(rows), float64(correct) / float64(rows)
}

// EmbedFourierNorms returns the norms of the rows of F·W_E[:p] (W_E is
// [≥p, d] row-major): how much of the embedding lies on each Fourier
// component of the input residue.
func EmbedFourierNorms(tr *fourier.Transformer, we []float64, d int) []float64 {
	p := tr.P()
	dst := make([]float64, p*d)
	tr.Transform1D(dst, we[:p*d], d)
	norms := make([]float64, p)
	fourier.RowNorms(norms, dst, d)
	return norms
}

// UnembedFourierNorms returns the norms of the Fourier components over the
// output residue of W_L = W_out·W_U restricted to its first p outputs:
// column i of W_L[:, :p]·Fᵀ for each basis row i. W_out is [dmlp, dmodel] and
// W_U [dmodel, v], both row-major.
func UnembedFourierNorms(tr *fourier.Transformer, wout, wu []float64, dmlp, dmodel, v int) []float64 {
	p := tr.P()
	// W_Lᵀ[:p] = (W_U[:, :p])ᵀ · W_outᵀ laid out [p, dmlp], so that the
	// transform runs over its rows, as for W_E.
	wlT := make([]float64, p*dmlp)
	for c := 0; c < p; c++ {
		dst := wlT[c*dmlp : (c+1)*dmlp]
		for n := 0; n < dmlp; n++ {
			var s float64
			row := wout[n*dmodel : (n+1)*dmodel]
			for d, x := range row {
				s += x * wu[d*v+c]
			}
			dst[n] = s
		}
	}
	out := make([]float64, p*dmlp)
	tr.Transform1D(out, wlT, dmlp)
	norms := make([]float64, p)
	fourier.RowNorms(norms, out, dmlp)
	return norms
}
