// Cross-entropy with log-softmax in float64, one thread per logit row, as
// lossAndGrad (backward.go) and the evaluators compute it; sum_f64 adds the
// per-row values in a fixed tree order.
#include "common.cuh"

// cross_entropy writes losses[r] = logsumexp(x) - x[label] and, when
// dlogits is not null, the gradient of Σ loss / norm with respect to the
// logits; when hits is not null, hits[r] = 1 if the first maximal logit is
// at the label, else 0.
extern "C" __global__ void cross_entropy(int rows, int V, const float* logits, const i64* labels, int norm,
	float* dlogits, double* losses, double* hits)
{
	FOR_EACH(r, rows) {
		const float* x = logits + r * V;
		double mx = -INFINITY;
		for (int j = 0; j < V; j++)
			mx = fmax(mx, (double)x[j]);
		double s = 0.0;
		for (int j = 0; j < V; j++)
			s = s + exp((double)x[j] - mx);
		const double lse = mx + log(s);
		const int y = (int)labels[r];
		losses[r] = lse - (double)x[y];
		if (dlogits) {
			float* g = dlogits + r * V;
			for (int j = 0; j < V; j++)
				g[j] = (float)(exp((double)x[j] - lse) / (double)norm);
			g[y] = g[y] - (float)(1.0 / (double)norm);
		}
		if (hits) {
			int best = 0;
			for (int j = 1; j < V; j++)
				if (x[j] > x[best])
					best = j;
			hits[r] = best == y ? 1.0 : 0.0;
		}
	}
}

#define SUM_THREADS 256

// sum_f64 writes out[0] = Σ a and, when b is not null, out[1] = Σ b, over n
// values. One block of SUM_THREADS threads: each sums a strided subset in
// ascending order, then a tree adds the partial sums.
extern "C" __global__ void sum_f64(int n, const double* a, const double* b, double* out)
{
	__shared__ double sa[SUM_THREADS], sb[SUM_THREADS];
	const int t = threadIdx.x;
	double x = 0.0, y = 0.0;
	for (int i = t; i < n; i += SUM_THREADS) {
		x = x + a[i];
		if (b)
			y = y + b[i];
	}
	sa[t] = x;
	sb[t] = y;
	__syncthreads();
	for (int s = SUM_THREADS / 2; s > 0; s >>= 1) {
		if (t < s) {
			sa[t] = sa[t] + sa[t + s];
			sb[t] = sb[t] + sb[t + s];
		}
		__syncthreads();
	}
	if (t == 0) {
		out[0] = sa[0];
		if (b)
			out[1] = sb[0];
	}
}
