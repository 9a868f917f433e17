package fourier

import "fmt"

// gridChunk is how many grids GridFractions transforms at once: enough columns
// for the GEMMs to run at full speed, few enough that its scratch space (about
// 2·p²·gridChunk float64s, 20 MB at p = 113) stays small.
const gridChunk = 64

// GridFractions sets frac, laid out [(p-1)/2, m], to the fraction of variance
// per frequency of each of the m grids held in acts as [p², m] (row a*p+b is
// input (a, b)), which is how a probe over all pairs delivers a hook cut to
// its last position. If total is not nil (len m) it receives each grid's
// variance energy (total energy without the (0,0) cell). It panics if a length
// does not match.
func GridFractions[T float32 | float64](t *Transformer, frac, total []float64, acts []T, m int) {
	p := t.p
	nf := NumFreq(p)
	if len(acts) != p*p*m || len(frac) != nf*m || (total != nil && len(total) != m) {
		panic(fmt.Sprintf("fourier: GridFractions: len(acts) = %d, len(frac) = %d for p = %d, m = %d", len(acts), len(frac), p, m))
	}
	mc := min(gridChunk, m)
	in := make([]float64, p*p*mc)
	en := make([]float64, nf*mc)
	tot := make([]float64, mc)
	for c0 := 0; c0 < m; c0 += mc {
		w := min(mc, m-c0)
		in, en, tot := in[:p*p*w], en[:nf*w], tot[:w]
		for r := 0; r < p*p; r++ {
			src := acts[r*m+c0 : r*m+c0+w]
			dst := in[r*w : (r+1)*w]
			for c, v := range src {
				dst[c] = float64(v)
			}
		}
		t.BlockEnergies(en, tot, in, w)
		Fractions(en, tot)
		for k := 0; k < nf; k++ {
			copy(frac[k*m+c0:k*m+c0+w], en[k*w:(k+1)*w])
		}
		if total != nil {
			copy(total[c0:c0+w], tot)
		}
	}
}
