// Shared definitions of tdw's kernels. Every kernel is extern "C" (so its
// PTX entry has the plain name the Go side binds), takes int sizes and
// float/double scalars, and writes each output element from exactly one
// thread with a fixed summation order: no atomics, so a run repeats exactly
// on the same device. The arithmetic mirrors the CPU runner's Go code
// operation for operation; nvcc runs with -fmad=false so that a*b+c is not
// contracted, and float64 appears where the CPU runner uses it.
#pragma once

typedef long long i64;

// FOR_EACH runs body for i in [0, n) spread over the whole grid (x axis).
#define FOR_EACH(i, n) \
	for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (i64)(n); i += (i64)blockDim.x * gridDim.x)

// Activation codes, as the Go side passes them.
#define ACT_RELU 0
#define ACT_GELU 1
#define ACT_GELU_NEW 2
