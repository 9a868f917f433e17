// TransformerLens LayerNorm, one thread per row, mirroring layernorm.go:
// row statistics in float64; the parameter gradients (Σ dy·hat, Σ dy) are
// column sums (colsum_partial / colsum_finish in reduce.cu).
#include "common.cuh"

#define LN_EPS 1e-5

extern "C" __global__ void layernorm_forward(int rows, int d, const float* x, const float* w, const float* b,
	float* scale, float* hat, float* out)
{
	FOR_EACH(r, rows) {
		const float* xr = x + r * d;
		float* hr = hat + r * d;
		float* orow = out + r * d;
		double s = 0.0;
		for (int j = 0; j < d; j++)
			s = s + (double)xr[j];
		const float mean = (float)(s / (double)d);
		double ss = 0.0;
		for (int j = 0; j < d; j++) {
			const float c = xr[j] - mean;
			hr[j] = c;
			ss = ss + (double)c * (double)c;
		}
		const float sc = (float)sqrt(ss / (double)d + LN_EPS);
		scale[r] = sc;
		for (int j = 0; j < d; j++) {
			hr[j] = hr[j] / sc;
			orow[j] = hr[j] * w[j] + b[j];
		}
	}
}

// layernorm_backward_dx writes dx (adds to it when accum is not 0):
// dx = (dhat - mean(dhat) - hat·mean(dhat·hat)) / scale, dhat = dy·w.
extern "C" __global__ void layernorm_backward_dx(int rows, int d, const float* dy, const float* w, const float* scale,
	const float* hat, float* dx, int accum)
{
	FOR_EACH(r, rows) {
		const float* dyr = dy + r * d;
		const float* hr = hat + r * d;
		float* dxr = dx + r * d;
		double m1 = 0.0, m2 = 0.0;
		for (int j = 0; j < d; j++) {
			const double dh = (double)dyr[j] * (double)w[j];
			m1 = m1 + dh;
			m2 = m2 + dh * (double)hr[j];
		}
		m1 = m1 / (double)d;
		m2 = m2 / (double)d;
		const double inv = 1.0 / (double)scale[r];
		for (int j = 0; j < d; j++) {
			const double dh = (double)dyr[j] * (double)w[j];
			const float v = (float)((dh - m1 - (double)hr[j] * m2) * inv);
			dxr[j] = accum ? dxr[j] + v : v;
		}
	}
}
