// One torch.optim.AdamW step in float32, as adamwStep (adamw.go) computes it,
// over the trainable ranges of the flat parameter vector: blockIdx.y picks
// the range (ranges[2y] = offset, ranges[2y+1] = length). The step-dependent
// scalars come from the host, rounded to float32 as the CPU runner rounds
// them.
#include "common.cuh"

extern "C" __global__ void adamw(const int* ranges, float* p, const float* g, float* m, float* v, float decay,
	float w1, float b2, float w2, float stepSize, float bc2Sqrt, float eps)
{
	const i64 off = ranges[2 * blockIdx.y];
	const int len = ranges[2 * blockIdx.y + 1];
	FOR_EACH(k, len) {
		const i64 i = off + k;
		const float gi = g[i];
		p[i] = p[i] * decay;
		m[i] = m[i] + w1 * (gi - m[i]);
		v[i] = v[i] * b2 + w2 * gi * gi;
		const float denom = (float)sqrt((double)v[i]) / bc2Sqrt + eps;
		p[i] = p[i] - stepSize * (m[i] / denom);
	}
}
