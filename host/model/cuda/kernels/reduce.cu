// Deterministic reductions over rows for parameter gradients: column sums
// (biases, LayerNorm weights), the embedding gradient grouped by token, and
// the positional embedding's gradient. One thread per output element adds
// its terms in ascending row order, as the CPU runner's sequential loops do;
// column sums over many rows first sum fixed row slices (colsum_partial),
// then add the slices in order (colsum_finish).
#include "common.cuh"

// colsum_partial writes ws[s, j] = Σ a[r, j] (· b[r, j] when b is not null)
// over rows r of slice s = blockIdx.y, [s*chunk, min(rows, (s+1)*chunk)).
extern "C" __global__ void colsum_partial(int rows, int cols, const float* a, const float* b, int chunk, float* ws)
{
	const int j = blockIdx.x * blockDim.x + threadIdx.x;
	if (j >= cols)
		return;
	const int s = blockIdx.y;
	const int r1 = min(rows, (s + 1) * chunk);
	float acc = 0.0f;
	for (int r = s * chunk; r < r1; r++) {
		const float v = a[(i64)r * cols + j];
		acc = acc + (b ? v * b[(i64)r * cols + j] : v);
	}
	ws[(i64)s * cols + j] = acc;
}

// colsum_finish adds the slices' sums, in slice order, to dst[cols].
extern "C" __global__ void colsum_finish(int cols, int slices, const float* ws, float* dst)
{
	FOR_EACH(j, cols) {
		float acc = ws[j];
		for (int s = 1; s < slices; s++)
			acc = acc + ws[(i64)s * cols + j];
		dst[j] = dst[j] + acc;
	}
}

// segment_sum adds, for each segment v, the src rows listed in
// idx[off[v]..off[v+1]) (ascending) to dst row v: the embedding gradient
// with the rows grouped by token.
extern "C" __global__ void segment_sum(int segs, int d, const float* src, const int* idx, const int* off, float* dst)
{
	FOR_EACH(t, (i64)segs * d) {
		const i64 v = t / d;
		const int j = (int)(t % d);
		float acc = dst[t];
		for (int k = off[v]; k < off[v + 1]; k++)
			acc = acc + src[(i64)idx[k] * d + j];
		dst[t] = acc;
	}
}

// pos_grad adds, for each position i, rows b*n + i of src[B*n, d] over b in
// ascending order to dst row i.
extern "C" __global__ void pos_grad(int B, int n, int d, const float* src, float* dst)
{
	FOR_EACH(t, (i64)n * d) {
		const int i = (int)(t / d), j = (int)(t % d);
		float acc = dst[t];
		for (int b = 0; b < B; b++)
			acc = acc + src[((i64)b * n + i) * d + j];
		dst[t] = acc;
	}
}
