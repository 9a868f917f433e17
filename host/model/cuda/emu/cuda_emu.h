// The CUDA C subset tdw's kernels use, for compiling them as C++ on the
// CPU inside the driver emulator (emu.cpp). Built-in variables are globals
// that the emulator sets before it runs each thread of a block.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

struct uint3 {
	unsigned x, y, z;
};
struct dim3 {
	unsigned x, y, z;
};

extern uint3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;

void __syncthreads();

#define __global__
#define __device__
#define __forceinline__ inline
// One static instance per kernel: blocks run one at a time.
#define __shared__ static

using std::max;
using std::min;
