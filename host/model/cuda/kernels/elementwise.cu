// Element-wise and row-copy kernels: embedding, row gathers for hooks and
// last-position plans, residual sums, activations, head packing; each mirrors
// the Go loop it replaces (net.go, linear.go, activation.go).
#include "common.cuh"

// embed_rows writes, for each of B sequences of n tokens, its last r
// positions i as rows of d: mode 0 W_E[tok], 1 W_pos[i], 2 W_E[tok] + W_pos[i]
// (resid_pre, with r = n).
extern "C" __global__ void embed_rows(int B, int n, int r, int d, const float* WE, const float* Wpos, const i64* tok,
	int mode, float* dst)
{
	FOR_EACH(idx, (i64)B * r * d) {
		const int j = (int)(idx % d);
		const i64 br = idx / d;
		const int i = (int)(br % r) + n - r;
		const i64 b = br / r;
		const i64 t = tok[b * n + i];
		float v;
		if (mode == 0)
			v = WE[t * d + j];
		else if (mode == 1)
			v = Wpos[(i64)i * d + j];
		else
			v = WE[t * d + j] + Wpos[(i64)i * d + j];
		dst[idx] = v;
	}
}

// copy_rows copies, for each of B groups of n rows, its last r rows: dst row
// (b, i) holds w floats of src from column off of row b*n + n-r+i, stride ld.
// With r = 1 it is gatherLast; with off and ld it cuts K or V out of kv.
extern "C" __global__ void copy_rows(int B, int n, int r, int w, const float* src, int ld, int off, float* dst)
{
	FOR_EACH(idx, (i64)B * r * w) {
		const int j = (int)(idx % w);
		const i64 br = idx / w;
		const int i = (int)(br % r);
		const i64 b = br / r;
		dst[idx] = src[(b * n + n - r + i) * ld + off + j];
	}
}

// add writes dst = a + b over count floats (dst may alias a or b).
extern "C" __global__ void add(int count, const float* a, const float* b, float* dst)
{
	FOR_EACH(i, count) dst[i] = a[i] + b[i];
}

// scatter_last_add adds src[B, w] into row n-1 of each group of n rows of
// dst[B*n, w].
extern "C" __global__ void scatter_last_add(int B, int n, int w, const float* src, float* dst)
{
	FOR_EACH(idx, (i64)B * w) {
		const i64 b = idx / w;
		const int j = (int)(idx % w);
		float* p = dst + ((b + 1) * n - 1) * w + j;
		*p = *p + src[idx];
	}
}

// The constants as the Go code rounds them: math.Sqrt2, 2/math.Pi,
// 2*math.Pi (exact constant arithmetic, then float64).
#define SQRT2 1.4142135623730951
#define TWO_OVER_PI 0.63661977236758138
#define TWO_PI 6.2831853071795862

extern "C" __global__ void activation_forward(int act, int count, const float* x, float* y)
{
	const double geluC = sqrt(TWO_OVER_PI);
	FOR_EACH(i, count) {
		if (act == ACT_RELU) {
			y[i] = x[i] > 0.0f ? x[i] : 0.0f;
		} else if (act == ACT_GELU) {
			const double v = (double)x[i];
			y[i] = (float)(0.5 * v * (1.0 + erf(v / SQRT2)));
		} else {
			const double v = (double)x[i];
			y[i] = (float)(0.5 * v * (1.0 + tanh(geluC * (v + 0.044715 * v * v * v))));
		}
	}
}

extern "C" __global__ void activation_backward(int act, int count, const float* x, const float* dy, float* dx)
{
	const double geluC = sqrt(TWO_OVER_PI);
	const double sqrt2pi = sqrt(TWO_PI);
	FOR_EACH(i, count) {
		if (act == ACT_RELU) {
			dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
		} else if (act == ACT_GELU) {
			const double v = (double)x[i];
			const double cdf = 0.5 * (1.0 + erf(v / SQRT2));
			const double pdf = exp(-0.5 * v * v) / sqrt2pi;
			dx[i] = (float)((double)dy[i] * (cdf + v * pdf));
		} else {
			const double v = (double)x[i];
			const double u = geluC * (v + 0.044715 * v * v * v);
			const double t = tanh(u);
			const double du = geluC * (1.0 + 0.134145 * v * v);
			dx[i] = (float)((double)dy[i] * (0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * du));
		}
	}
}

// pack_heads copies W[h, d, dh] into columns off.. of the packed [d, ld]
// matrix: packed[i, off + hh*dh + e] = W[hh, i, e] (net.pack).
extern "C" __global__ void pack_heads(int h, int d, int dh, const float* W, int ld, int off, float* packed)
{
	FOR_EACH(idx, (i64)h * d * dh) {
		const int e = (int)(idx % dh);
		const int i = (int)((idx / dh) % d);
		const int hh = (int)(idx / ((i64)dh * d));
		packed[(i64)i * ld + off + hh * dh + e] = W[idx];
	}
}

// unpack_heads_add adds columns off.. of a packed [d, ld] gradient into
// dW[h, d, dh] (net.unpackGrads).
extern "C" __global__ void unpack_heads_add(int h, int d, int dh, const float* packed, int ld, int off, float* dW)
{
	FOR_EACH(idx, (i64)h * d * dh) {
		const int e = (int)(idx % dh);
		const int i = (int)((idx / dh) % d);
		const int hh = (int)(idx / ((i64)dh * d));
		dW[idx] = dW[idx] + packed[(i64)i * ld + off + hh * dh + e];
	}
}
