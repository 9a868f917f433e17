package model

import "math"

// AdamW holds torch.optim.AdamW hyperparameters (amsgrad off, no maximize).
type AdamW struct {
	LR          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
}

// adamwStep applies one torch.optim.AdamW update, in float32 as PyTorch does,
// to the elements of p in [lo, hi) with gradient g and moments m, v, at step
// t (1-based, after incrementing):
//
//	p *= 1 - lr·wd
//	m = lerp(m, g, 1-β1);  v = β2·v + (1-β2)·g²
//	p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)
func adamwStep(o AdamW, t int, p, g, m, v []float32) {
	k := adamwCoefs(o, t)
	decay, w1, b2, w2, stepSize, bc2Sqrt, eps := k.decay, k.w1, k.b2, k.w2, k.stepSize, k.bc2Sqrt, k.eps
	for i := range p {
		gi := g[i]
		p[i] *= decay
		m[i] += w1 * (gi - m[i])
		v[i] = v[i]*b2 + w2*gi*gi
		denom := float32(math.Sqrt(float64(v[i])))/bc2Sqrt + eps
		p[i] -= stepSize * (m[i] / denom)
	}
}

// adamwCoef holds the float32 scalars of one AdamW step, rounded once as
// adamwStep uses them (the CUDA backend's kernel takes the same values).
type adamwCoef struct {
	decay, w1, b2, w2, stepSize, bc2Sqrt, eps float32
}

// adamwCoefs returns the scalars of step t (1-based).
func adamwCoefs(o AdamW, t int) adamwCoef {
	bc1 := 1 - math.Pow(o.Beta1, float64(t))
	bc2 := 1 - math.Pow(o.Beta2, float64(t))
	return adamwCoef{
		decay: float32(1 - o.LR*o.WeightDecay),
		w1:    float32(1 - o.Beta1),
		b2:    float32(o.Beta2), w2: float32(1 - o.Beta2),
		stepSize: float32(o.LR / bc1),
		bc2Sqrt:  float32(math.Sqrt(bc2)),
		eps:      float32(o.Eps),
	}
}
