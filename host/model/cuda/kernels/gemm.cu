// Tiled SGEMM for row-major matrices: C[m,n] = op(A)[m,k]·op(B)[k,n] (+ beta·C)
// (+ bias[n]), with op a transpose or not. Each output element is one
// thread's running sum over k in ascending order (a fused multiply-add per
// step, as BLAS kernels do). Split-K (gridDim.z > 1) gives each z-slice of
// k its own partial product in ws[z][m][n]; splitk_reduce then adds the
// slices in ascending z: the order depends only on the shapes and the
// slice count, which the Go side derives from the shapes and the device.
#include "common.cuh"

#define BM 64
#define BN 64
#define BK 16
#define GEMM_THREADS 256

template <bool TA, bool TB>
__device__ __forceinline__ void sgemm_tile(int m, int n, int k, const float* A, int lda, const float* B, int ldb,
	float beta, const float* bias, float* C, int ldc, int kchunk, float* ws)
{
	__shared__ float As[BK][BM + 4];
	__shared__ float Bs[BK][BN + 4];
	const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
	const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
	const int k0 = blockIdx.z * kchunk;
	const int k1 = min(k, k0 + kchunk);
	float acc[4][4];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			acc[i][j] = 0.0f;
	for (int kb = k0; kb < k1; kb += BK) {
		// Loads walk the stored matrix along its contiguous axis.
		for (int e = tid; e < BM * BK; e += GEMM_THREADS) {
			int ii, kk;
			if (TA) {
				ii = e % BM;
				kk = e / BM;
			} else {
				kk = e % BK;
				ii = e / BK;
			}
			const int gi = row0 + ii, gk = kb + kk;
			float v = 0.0f;
			if (gi < m && gk < k1)
				v = TA ? A[(i64)gk * lda + gi] : A[(i64)gi * lda + gk];
			As[kk][ii] = v;
		}
		for (int e = tid; e < BN * BK; e += GEMM_THREADS) {
			int jj, kk;
			if (TB) {
				kk = e % BK;
				jj = e / BK;
			} else {
				jj = e % BN;
				kk = e / BN;
			}
			const int gj = col0 + jj, gk = kb + kk;
			float v = 0.0f;
			if (gj < n && gk < k1)
				v = TB ? B[(i64)gj * ldb + gk] : B[(i64)gk * ldb + gj];
			Bs[kk][jj] = v;
		}
		__syncthreads();
		// Past k1 the tiles hold zeros: fmaf(0, 0, acc) leaves acc as it is.
#pragma unroll
		for (int kk = 0; kk < BK; kk++) {
			float a[4], b[4];
			for (int i = 0; i < 4; i++)
				a[i] = As[kk][ty + 16 * i];
			for (int j = 0; j < 4; j++)
				b[j] = Bs[kk][tx + 16 * j];
			for (int i = 0; i < 4; i++)
				for (int j = 0; j < 4; j++)
					acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
		}
		__syncthreads();
	}
	for (int i = 0; i < 4; i++) {
		const int gi = row0 + ty + 16 * i;
		if (gi >= m)
			continue;
		for (int j = 0; j < 4; j++) {
			const int gj = col0 + tx + 16 * j;
			if (gj >= n)
				continue;
			if (gridDim.z > 1) {
				ws[((i64)blockIdx.z * m + gi) * n + gj] = acc[i][j];
				continue;
			}
			float v = acc[i][j];
			if (beta != 0.0f)
				v = v + beta * C[(i64)gi * ldc + gj];
			if (bias)
				v = v + bias[gj];
			C[(i64)gi * ldc + gj] = v;
		}
	}
}

extern "C" __global__ void sgemm_nn(int m, int n, int k, const float* A, int lda, const float* B, int ldb,
	float beta, const float* bias, float* C, int ldc, int kchunk, float* ws)
{
	sgemm_tile<false, false>(m, n, k, A, lda, B, ldb, beta, bias, C, ldc, kchunk, ws);
}

extern "C" __global__ void sgemm_tn(int m, int n, int k, const float* A, int lda, const float* B, int ldb,
	float beta, const float* bias, float* C, int ldc, int kchunk, float* ws)
{
	sgemm_tile<true, false>(m, n, k, A, lda, B, ldb, beta, bias, C, ldc, kchunk, ws);
}

extern "C" __global__ void sgemm_nt(int m, int n, int k, const float* A, int lda, const float* B, int ldb,
	float beta, const float* bias, float* C, int ldc, int kchunk, float* ws)
{
	sgemm_tile<false, true>(m, n, k, A, lda, B, ldb, beta, bias, C, ldc, kchunk, ws);
}

// splitk_reduce finishes a split-K product: C = Σ_z ws[z] (+ beta·C) (+ bias).
extern "C" __global__ void splitk_reduce(int m, int n, int splits, const float* ws, float beta, const float* bias,
	float* C, int ldc)
{
	const i64 mn = (i64)m * n;
	FOR_EACH(idx, mn) {
		const int i = (int)(idx / n), j = (int)(idx % n);
		float s = ws[idx];
		for (int z = 1; z < splits; z++)
			s = s + ws[z * mn + idx];
		if (beta != 0.0f)
			s = s + beta * C[(i64)i * ldc + j];
		if (bias)
			s = s + bias[j];
		C[(i64)i * ldc + j] = s;
	}
}
