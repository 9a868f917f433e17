package model

import "math"

// attnShape describes the fused causal attention over a small context:
// B sequences of n positions, h heads of width dh, nq query rows per sequence
// (n, or 1 for the last position only).
type attnShape struct{ B, n, h, dh, nq int }

// queryPos returns the position of query row qi.
func (s attnShape) queryPos(qi int) int {
	if s.nq == s.n {
		return qi
	}
	return s.n - 1
}

// attentionForward is the fused attention core. q is [B*nq, h*dh]; kv is
// [B*n, 2*h*dh] with K in the first h*dh columns and V in the rest. It writes
// scores and pattern [B, h, nq, n] (scores scaled by 1/sqrt(dh), entries
// above the causal diagonal -Inf in scores and 0 in pattern) and z [B*nq, h*dh].
// scores may be nil when nobody keeps them.
func attentionForward[T Float](s attnShape, q, kv []T, scores, pattern, z []T) {
	hd := s.h * s.dh
	attnScale := T(math.Sqrt(float64(s.dh)))
	negInf := T(math.Inf(-1))
	parallelRows(s.B, s.h*s.nq*s.n*s.dh*2, func(lo, hi int) {
		sc := make([]float64, s.n)
		for b := lo; b < hi; b++ {
			for hh := 0; hh < s.h; hh++ {
				for qi := 0; qi < s.nq; qi++ {
					pos := s.queryPos(qi)
					qr := q[(b*s.nq+qi)*hd+hh*s.dh:][:s.dh]
					row := ((b*s.h+hh)*s.nq + qi) * s.n
					mx := math.Inf(-1)
					for j := 0; j <= pos; j++ {
						kr := kv[(b*s.n+j)*2*hd+hh*s.dh:][:s.dh]
						var d T
						for e, qv := range qr {
							d += qv * kr[e]
						}
						d /= attnScale
						if scores != nil {
							scores[row+j] = d
						}
						sc[j] = float64(d)
						mx = max(mx, sc[j])
					}
					var sum float64
					for j := 0; j <= pos; j++ {
						sc[j] = math.Exp(sc[j] - mx)
						sum += sc[j]
					}
					zr := z[(b*s.nq+qi)*hd+hh*s.dh:][:s.dh]
					clear(zr)
					for j := 0; j <= pos; j++ {
						p := T(sc[j] / sum)
						pattern[row+j] = p
						vr := kv[(b*s.n+j)*2*hd+hd+hh*s.dh:][:s.dh]
						for e, vv := range vr {
							zr[e] += p * vv
						}
					}
					for j := pos + 1; j < s.n; j++ {
						if scores != nil {
							scores[row+j] = negInf
						}
						pattern[row+j] = 0
					}
				}
			}
		}
	})
}

// attentionBackward writes dq [B*nq, h*dh] and dkv [B*n, 2*h*dh] from dz and
// the forward's q, kv and pattern. Each sequence's rows are written by one
// goroutine, so results do not depend on scheduling.
func attentionBackward[T Float](s attnShape, q, kv, pattern, dz, dq, dkv []T) {
	hd := s.h * s.dh
	inv := 1 / T(math.Sqrt(float64(s.dh)))
	parallelRows(s.B, s.h*s.nq*s.n*s.dh*4, func(lo, hi int) {
		dp := make([]T, s.n)
		clear(dq[lo*s.nq*hd : hi*s.nq*hd])
		clear(dkv[lo*s.n*2*hd : hi*s.n*2*hd])
		for b := lo; b < hi; b++ {
			for hh := 0; hh < s.h; hh++ {
				for qi := 0; qi < s.nq; qi++ {
					pos := s.queryPos(qi)
					row := ((b*s.h+hh)*s.nq + qi) * s.n
					dzr := dz[(b*s.nq+qi)*hd+hh*s.dh:][:s.dh]
					var sum T
					for j := 0; j <= pos; j++ {
						vr := kv[(b*s.n+j)*2*hd+hd+hh*s.dh:][:s.dh]
						dvr := dkv[(b*s.n+j)*2*hd+hd+hh*s.dh:][:s.dh]
						p := pattern[row+j]
						var d T
						for e, g := range dzr {
							d += g * vr[e]
							dvr[e] += p * g
						}
						dp[j] = d
						sum += p * d
					}
					qr := q[(b*s.nq+qi)*hd+hh*s.dh:][:s.dh]
					dqr := dq[(b*s.nq+qi)*hd+hh*s.dh:][:s.dh]
					for j := 0; j <= pos; j++ {
						ds := pattern[row+j] * (dp[j] - sum) * inv
						kr := kv[(b*s.n+j)*2*hd+hh*s.dh:][:s.dh]
						dkr := dkv[(b*s.n+j)*2*hd+hh*s.dh:][:s.dh]
						for e := range qr {
							dqr[e] += ds * kr[e]
							dkr[e] += ds * qr[e]
						}
					}
				}
			}
		}
	})
}
