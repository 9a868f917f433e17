// Deterministic reductions over rows for parameter gradients: column sums
// (biases, LayerNorm weights, the positional embedding as the column sums of
// [B, n*d]) and the embedding gradient grouped by token. Each is two passes
// with one thread per output element: fixed slices of rows summed in
// ascending order, then the slices in order; the slicing depends only on
// the shapes (and the tokens), so the result repeats exactly.
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

// segment_partial writes ws[c, j] = Σ src[idx[k], j] over k in
// [cs[c], cs[c+1]) ascending: chunk c of a segment of rows grouped by
// token (the Go side cuts each segment into chunks of a fixed size, so no
// thread walks thousands of rows one by one).
extern "C" __global__ void segment_partial(int chunks, int d, const float* src, const int* idx, const int* cs, float* ws)
{
	FOR_EACH(t, (i64)chunks * d) {
		const i64 c = t / d;
		const int j = (int)(t % d);
		float acc = 0.0f;
		for (int k = cs[c]; k < cs[c + 1]; k++)
			acc = acc + src[(i64)idx[k] * d + j];
		ws[t] = acc;
	}
}

// segment_finish adds, for each segment v, its chunks' sums
// ws[choff[v]..choff[v+1]) in order to dst row v: the embedding gradient.
extern "C" __global__ void segment_finish(int segs, int d, const float* ws, const int* choff, float* dst)
{
	FOR_EACH(t, (i64)segs * d) {
		const i64 v = t / d;
		const int j = (int)(t % d);
		float acc = 0.0f;
		for (int c = choff[v]; c < choff[v + 1]; c++)
			acc = acc + ws[(i64)c * d + j];
		dst[t] = dst[t] + acc;
	}
}
