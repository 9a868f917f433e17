package model

import "math"

// lnEps is TransformerLens' LayerNorm epsilon.
const lnEps = 1e-5

// layerNormForward normalizes each row of x[rows, d] as TransformerLens'
// LayerNorm: xc = x - mean; scale = sqrt(mean(xc²) + eps); hat = xc/scale;
// out = hat·w + b. It writes scale[rows], hat and out. Row statistics
// accumulate in float64.
func layerNormForward[T Float](x []T, rows, d int, w, b []T, scale, hat, out []T) {
	parallelRows(rows, d, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := x[r*d : (r+1)*d]
			var s float64
			for _, v := range xr {
				s += float64(v)
			}
			mean := T(s / float64(d))
			hr, or := hat[r*d:(r+1)*d], out[r*d:(r+1)*d]
			var ss float64
			for j, v := range xr {
				c := v - mean
				hr[j] = c
				ss += float64(c) * float64(c)
			}
			sc := T(math.Sqrt(ss/float64(d) + lnEps))
			scale[r] = sc
			for j := range hr {
				hr[j] /= sc
				or[j] = hr[j]*w[j] + b[j]
			}
		}
	})
}

// layerNormBackward writes dx[rows, d] (added to dx when accum) from dy and
// the forward's scale and hat, and accumulates dw and db (nil: skipped).
// dx = (dhat - mean(dhat) - hat·mean(dhat·hat)) / scale with dhat = dy·w.
func layerNormBackward[T Float](dy []T, rows, d int, w, scale, hat []T, dw, db, dx []T, accum bool) {
	parallelRows(rows, d, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dyr, hr, dxr := dy[r*d:(r+1)*d], hat[r*d:(r+1)*d], dx[r*d:(r+1)*d]
			var m1, m2 float64
			for j, g := range dyr {
				dh := float64(g) * float64(w[j])
				m1 += dh
				m2 += dh * float64(hr[j])
			}
			m1 /= float64(d)
			m2 /= float64(d)
			inv := 1 / float64(scale[r])
			for j, g := range dyr {
				dh := float64(g) * float64(w[j])
				v := T((dh - m1 - float64(hr[j])*m2) * inv)
				if accum {
					dxr[j] += v
				} else {
					dxr[j] = v
				}
			}
		}
	})
	// Parameter gradients reduce over rows: sequential, hence deterministic.
	for r := 0; r < rows; r++ {
		dyr, hr := dy[r*d:(r+1)*d], hat[r*d:(r+1)*d]
		if dw != nil {
			for j, g := range dyr {
				dw[j] += g * hr[j]
			}
		}
		if db != nil {
			for j, g := range dyr {
				db[j] += g
			}
		}
	}
}
