// Fused causal attention over a small context, one thread per (sequence,
// head, query row) forward and per (sequence, head) backward, mirroring
// attentionForward / attentionBackward of the CPU runner (attention.go):
// q is [B*nq, h*dh]; kv is [B*n, 2*h*dh], K then V; scores and pattern are
// [B, h, nq, n]; z is [B*nq, h*dh]. nq is n, or 1 for the last position.
#include "common.cuh"

extern "C" __global__ void attention_forward(int B, int n, int h, int dh, int nq, const float* q, const float* kv,
	float* scores, float* pattern, float* z)
{
	const int hd = h * dh;
	const float attnScale = (float)sqrt((double)dh);
	FOR_EACH(t, (i64)B * h * nq) {
		const int qi = (int)(t % nq);
		const int hh = (int)((t / nq) % h);
		const i64 b = t / ((i64)nq * h);
		const int pos = nq == n ? qi : n - 1;
		const float* qr = q + (b * nq + qi) * hd + hh * dh;
		const i64 row = ((b * h + hh) * nq + qi) * n;
		// The scaled scores wait in the pattern row for the softmax.
		double mx = -INFINITY;
		for (int j = 0; j <= pos; j++) {
			const float* kr = kv + (b * n + j) * 2 * hd + hh * dh;
			float d = 0.0f;
			for (int e = 0; e < dh; e++)
				d = d + qr[e] * kr[e];
			d = d / attnScale;
			if (scores)
				scores[row + j] = d;
			pattern[row + j] = d;
			mx = fmax(mx, (double)d);
		}
		double sum = 0.0;
		for (int j = 0; j <= pos; j++)
			sum = sum + exp((double)pattern[row + j] - mx);
		float* zr = z + (b * nq + qi) * hd + hh * dh;
		for (int e = 0; e < dh; e++)
			zr[e] = 0.0f;
		for (int j = 0; j <= pos; j++) {
			const float p = (float)(exp((double)pattern[row + j] - mx) / sum);
			pattern[row + j] = p;
			const float* vr = kv + (b * n + j) * 2 * hd + hd + hh * dh;
			for (int e = 0; e < dh; e++)
				zr[e] = zr[e] + p * vr[e];
		}
		for (int j = pos + 1; j < n; j++) {
			if (scores)
				scores[row + j] = -INFINITY;
			pattern[row + j] = 0.0f;
		}
	}
}

// attention_backward writes dq and dkv (each thread owns its sequence's and
// head's slots, so it clears and then accumulates them in the CPU runner's
// order) from dz and the forward's q, kv and pattern.
extern "C" __global__ void attention_backward(int B, int n, int h, int dh, int nq, const float* q, const float* kv,
	const float* pattern, const float* dz, float* dq, float* dkv)
{
	const int hd = h * dh;
	const float inv = 1.0f / (float)sqrt((double)dh);
	FOR_EACH(t, (i64)B * h) {
		const int hh = (int)(t % h);
		const i64 b = t / h;
		for (int qi = 0; qi < nq; qi++)
			for (int e = 0; e < dh; e++)
				dq[(b * nq + qi) * hd + hh * dh + e] = 0.0f;
		for (int j = 0; j < n; j++)
			for (int e = 0; e < dh; e++) {
				dkv[(b * n + j) * 2 * hd + hh * dh + e] = 0.0f;
				dkv[(b * n + j) * 2 * hd + hd + hh * dh + e] = 0.0f;
			}
		for (int qi = 0; qi < nq; qi++) {
			const int pos = nq == n ? qi : n - 1;
			const i64 row = ((b * h + hh) * nq + qi) * n;
			const float* dzr = dz + (b * nq + qi) * hd + hh * dh;
			float sum = 0.0f;
			for (int j = 0; j <= pos; j++) {
				const float* vr = kv + (b * n + j) * 2 * hd + hd + hh * dh;
				float* dvr = dkv + (b * n + j) * 2 * hd + hd + hh * dh;
				const float p = pattern[row + j];
				float d = 0.0f;
				for (int e = 0; e < dh; e++) {
					const float g = dzr[e];
					d = d + g * vr[e];
					dvr[e] = dvr[e] + p * g;
				}
				sum = sum + p * d;
			}
			const float* qr = q + (b * nq + qi) * hd + hh * dh;
			float* dqr = dq + (b * nq + qi) * hd + hh * dh;
			for (int j = 0; j <= pos; j++) {
				// dp[j] again, summed in the same order as above.
				const float* vr = kv + (b * n + j) * 2 * hd + hd + hh * dh;
				float d = 0.0f;
				for (int e = 0; e < dh; e++)
					d = d + dzr[e] * vr[e];
				const float ds = pattern[row + j] * (d - sum) * inv;
				const float* kr = kv + (b * n + j) * 2 * hd + hh * dh;
				float* dkr = dkv + (b * n + j) * 2 * hd + hh * dh;
				for (int e = 0; e < dh; e++) {
					dqr[e] = dqr[e] + ds * kr[e];
					dkr[e] = dkr[e] + ds * qr[e];
				}
			}
		}
	}
}
