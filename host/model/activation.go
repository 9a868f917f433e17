package model

import "math"

// activationForward writes y = act(x) elementwise for act "relu", "gelu"
// (exact, erf) or "gelu_new" (tanh approximation). It panics on another name:
// ValidateConfig rejects those first.
func activationForward[T Float](act string, x, y []T, width int) {
	rows := len(x) / width
	switch act {
	case ActReLU:
		parallelRows(rows, width, func(lo, hi int) {
			for i := lo * width; i < hi*width; i++ {
				y[i] = max(x[i], 0)
			}
		})
	case ActGELU:
		parallelRows(rows, width, func(lo, hi int) {
			for i := lo * width; i < hi*width; i++ {
				v := float64(x[i])
				y[i] = T(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
			}
		})
	case ActGELUNew:
		parallelRows(rows, width, func(lo, hi int) {
			for i := lo * width; i < hi*width; i++ {
				v := float64(x[i])
				y[i] = T(0.5 * v * (1 + math.Tanh(geluC*(v+0.044715*v*v*v))))
			}
		})
	default:
		panic("model: unknown activation " + act)
	}
}

// geluC is sqrt(2/pi), the tanh-GELU constant.
var geluC = math.Sqrt(2 / math.Pi)

// activationBackward writes dx = dy·act'(x) elementwise.
func activationBackward[T Float](act string, x, dy, dx []T, width int) {
	rows := len(x) / width
	switch act {
	case ActReLU:
		parallelRows(rows, width, func(lo, hi int) {
			for i := lo * width; i < hi*width; i++ {
				if x[i] > 0 {
					dx[i] = dy[i]
				} else {
					dx[i] = 0
				}
			}
		})
	case ActGELU:
		parallelRows(rows, width, func(lo, hi int) {
			for i := lo * width; i < hi*width; i++ {
				v := float64(x[i])
				cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
				pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
				dx[i] = T(float64(dy[i]) * (cdf + v*pdf))
			}
		})
	case ActGELUNew:
		parallelRows(rows, width, func(lo, hi int) {
			for i := lo * width; i < hi*width; i++ {
				v := float64(x[i])
				u := geluC * (v + 0.044715*v*v*v)
				t := math.Tanh(u)
				du := geluC * (1 + 3*0.044715*v*v)
				dx[i] = T(float64(dy[i]) * (0.5*(1+t) + 0.5*v*(1-t*t)*du))
			}
		})
	default:
		panic("model: unknown activation " + act)
	}
}
