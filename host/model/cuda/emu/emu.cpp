// A CPU emulator of the CUDA driver API subset tdw binds (driver.go), with
// tdw's kernels (kernels/*.cu) compiled as C++ behind cuLaunchKernel. It is
// a test instrument, never a backend: built by `make cuda-emu`, loaded with
// TDW_CUDA_LIBRARY, it lets the CUDA backend's tests run the real kernel
// source and the Go side's buffers, launches and argument packing against
// the CPU runner on a machine without a GPU. What it cannot check is what
// only hardware does: the PTX, the JIT, warp scheduling, real concurrency.
//
// Blocks run one after another on the calling thread; the threads of a
// block run one after another, as fibers for kernels that call
// __syncthreads: each runs until its next barrier, then the next thread.
// The fiber switch is a few instructions of x86-64 assembly (swapcontext
// makes two system calls per switch, which made a GEMM block cost
// milliseconds).
// Device memory is host memory, filled with 0xFF bytes (float NaN) when
// allocated, so that a kernel reading what nothing wrote shows up.
#include "cuda_emu.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

uint3 threadIdx, blockIdx;
dim3 blockDim, gridDim;

#include "../kernels/adamw.cu"
#include "../kernels/attention.cu"
#include "../kernels/elementwise.cu"
#include "../kernels/gemm.cu"
#include "../kernels/layernorm.cu"
#include "../kernels/loss.cu"
#include "../kernels/reduce.cu"

namespace {

// call unpacks cuLaunchKernel's kernelParams (pointers to each argument's
// value) into the kernel's parameter types.
template <typename... A, size_t... I>
void call(void (*f)(A...), void** p, std::index_sequence<I...>)
{
	f(*static_cast<A*>(p[I])...);
}

template <typename... A>
std::function<void(void**)> launcher(void (*f)(A...))
{
	return [f](void** p) { call(f, p, std::index_sequence_for<A...>{}); };
}

struct Kernel {
	const char* name;
	std::function<void(void**)> run;
	bool syncs; // calls __syncthreads: threads run as fibers
};

std::vector<Kernel>& kernels()
{
	static std::vector<Kernel> ks = {
		{"sgemm_nn", launcher(sgemm_nn), true},
		{"sgemm_tn", launcher(sgemm_tn), true},
		{"sgemm_nt", launcher(sgemm_nt), true},
		{"splitk_reduce", launcher(splitk_reduce), false},
		{"attention_forward", launcher(attention_forward), false},
		{"attention_backward", launcher(attention_backward), false},
		{"layernorm_forward", launcher(layernorm_forward), false},
		{"layernorm_backward_dx", launcher(layernorm_backward_dx), false},
		{"cross_entropy", launcher(cross_entropy), false},
		{"sum_f64", launcher(sum_f64), true},
		{"embed_rows", launcher(embed_rows), false},
		{"copy_rows", launcher(copy_rows), false},
		{"add", launcher(add), false},
		{"scatter_last_add", launcher(scatter_last_add), false},
		{"activation_forward", launcher(activation_forward), false},
		{"activation_backward", launcher(activation_backward), false},
		{"pack_heads", launcher(pack_heads), false},
		{"unpack_heads_add", launcher(unpack_heads_add), false},
		{"colsum_partial", launcher(colsum_partial), false},
		{"colsum_finish", launcher(colsum_finish), false},
		{"segment_partial", launcher(segment_partial), false},
		{"segment_finish", launcher(segment_finish), false},
		{"adamw", launcher(adamw), false},
	};
	return ks;
}

std::mutex mu; // one launch or copy at a time

// emu_switch saves the callee-saved registers on the current stack, stores
// its stack pointer in *save and resumes the stack at next, which holds the
// same layout (System V x86-64).
extern "C" void emu_switch(void** save, void* next);
asm(R"(
	.text
	.p2align 4
	.type emu_switch,@function
emu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size emu_switch, .-emu_switch
)");

// Fibers of the block being run.
struct Fiber {
	void* sp;
	uint3 idx;
	bool done;
};
const size_t fiberStack = 64 << 10;
std::vector<Fiber> fibers;
std::vector<char*> stacks;
void* scheduler; // the scheduler's saved stack pointer
int current = -1; // fiber running, -1 outside fibers
const Kernel* running;
void** runningParams;

[[noreturn]] void fiberMain()
{
	running->run(runningParams);
	fibers[current].done = true;
	emu_switch(&fibers[current].sp, scheduler);
	std::abort(); // a finished fiber is never resumed
}

// fiberStart lays out a fresh stack as emu_switch leaves one: six zero
// registers under the address of fiberMain, which emu_switch's ret enters
// with the stack aligned as after a call.
void* fiberStart(char* stack)
{
	auto top = reinterpret_cast<uintptr_t>(stack + fiberStack) & ~uintptr_t(15);
	auto* sp = reinterpret_cast<void**>(top);
	*--sp = nullptr; // fiberMain's return address: never used
	*--sp = reinterpret_cast<void*>(&fiberMain);
	for (int i = 0; i < 6; i++)
		*--sp = nullptr;
	return sp;
}

uint3 threadOf(unsigned t)
{
	return uint3{t % blockDim.x, t / blockDim.x % blockDim.y, t / (blockDim.x * blockDim.y)};
}

void runBlock(const Kernel& k, void** params)
{
	const unsigned n = blockDim.x * blockDim.y * blockDim.z;
	if (!k.syncs) {
		for (unsigned t = 0; t < n; t++) {
			threadIdx = threadOf(t);
			k.run(params);
		}
		return;
	}
	running = &k;
	runningParams = params;
	fibers.assign(n, Fiber{});
	while (stacks.size() < n)
		stacks.push_back(static_cast<char*>(std::malloc(fiberStack)));
	for (unsigned t = 0; t < n; t++) {
		fibers[t].sp = fiberStart(stacks[t]);
		fibers[t].idx = threadOf(t);
	}
	// Each round runs every live thread to its next barrier or its end.
	for (unsigned live = n; live > 0;) {
		live = 0;
		for (unsigned t = 0; t < n; t++) {
			if (fibers[t].done)
				continue;
			current = int(t);
			threadIdx = fibers[t].idx;
			emu_switch(&scheduler, fibers[t].sp);
			if (!fibers[t].done)
				live++;
		}
	}
	current = -1;
}

} // namespace

void __syncthreads()
{
	if (current < 0) {
		std::fprintf(stderr, "cuda emulator: kernel %s calls __syncthreads but is not marked so in emu.cpp\n", running ? running->name : "?");
		std::abort();
	}
	emu_switch(&fibers[current].sp, scheduler);
}

#define API extern "C" __attribute__((visibility("default")))

typedef int CUresult;
enum {
	CUDA_SUCCESS = 0,
	CUDA_ERROR_INVALID_VALUE = 1,
	CUDA_ERROR_OUT_OF_MEMORY = 2,
	CUDA_ERROR_INVALID_HANDLE = 400,
	CUDA_ERROR_NOT_FOUND = 500,
	CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
};

API CUresult cuInit(unsigned) { return CUDA_SUCCESS; }
API CUresult cuDriverGetVersion(int* v)
{
	*v = 12040;
	return CUDA_SUCCESS;
}

API CUresult cuGetErrorName(CUresult r, const char** s)
{
	switch (r) {
	case CUDA_SUCCESS: *s = "CUDA_SUCCESS"; return CUDA_SUCCESS;
	case CUDA_ERROR_INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; return CUDA_SUCCESS;
	case CUDA_ERROR_OUT_OF_MEMORY: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return CUDA_SUCCESS;
	case CUDA_ERROR_INVALID_HANDLE: *s = "CUDA_ERROR_INVALID_HANDLE"; return CUDA_SUCCESS;
	case CUDA_ERROR_NOT_FOUND: *s = "CUDA_ERROR_NOT_FOUND"; return CUDA_SUCCESS;
	case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: *s = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"; return CUDA_SUCCESS;
	}
	return CUDA_ERROR_INVALID_VALUE;
}

API CUresult cuGetErrorString(CUresult r, const char** s)
{
	const char* name;
	if (cuGetErrorName(r, &name) != CUDA_SUCCESS)
		return CUDA_ERROR_INVALID_VALUE;
	*s = "(tdw CUDA emulator)";
	return CUDA_SUCCESS;
}

API CUresult cuDeviceGetCount(int* n)
{
	*n = 1;
	return CUDA_SUCCESS;
}

API CUresult cuDeviceGet(int* dev, int ordinal)
{
	if (ordinal != 0)
		return CUDA_ERROR_INVALID_VALUE;
	*dev = 0;
	return CUDA_SUCCESS;
}

API CUresult cuDeviceGetName(char* name, int len, int)
{
	std::snprintf(name, len, "tdw CUDA emulator (CPU)");
	return CUDA_SUCCESS;
}

API CUresult cuDeviceTotalMem_v2(size_t* bytes, int)
{
	*bytes = size_t(1) << 30;
	return CUDA_SUCCESS;
}

// Compute capability 8.0 and 4 multiprocessors: few enough that small test
// products take the split-K path.
API CUresult cuDeviceGetAttribute(int* v, int attr, int)
{
	switch (attr) {
	case 75: *v = 8; break;
	case 76: *v = 0; break;
	case 16: *v = 4; break;
	default: *v = 0;
	}
	return CUDA_SUCCESS;
}

API CUresult cuDevicePrimaryCtxRetain(void** ctx, int)
{
	*ctx = reinterpret_cast<void*>(1);
	return CUDA_SUCCESS;
}
API CUresult cuDevicePrimaryCtxRelease_v2(int) { return CUDA_SUCCESS; }
API CUresult cuCtxSetCurrent(void* ctx) { return ctx ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }
API CUresult cuCtxSynchronize() { return CUDA_SUCCESS; }

// The PTX is not compiled; the kernels were, from the same source.
API CUresult cuModuleLoadDataEx(void** mod, const void* image, unsigned, int*, void**)
{
	if (!std::strstr(static_cast<const char*>(image), ".visible .entry"))
		return CUDA_ERROR_INVALID_VALUE;
	*mod = reinterpret_cast<void*>(1);
	return CUDA_SUCCESS;
}

API CUresult cuModuleGetFunction(void** fn, void*, const char* name)
{
	auto& ks = kernels();
	for (size_t i = 0; i < ks.size(); i++)
		if (std::strcmp(ks[i].name, name) == 0) {
			*fn = &ks[i];
			return CUDA_SUCCESS;
		}
	return CUDA_ERROR_NOT_FOUND;
}
API CUresult cuModuleUnload(void*) { return CUDA_SUCCESS; }

API CUresult cuMemAlloc_v2(uint64_t* p, size_t bytes)
{
	void* m = nullptr;
	if (bytes == 0 || posix_memalign(&m, 256, bytes) != 0)
		return bytes == 0 ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_OUT_OF_MEMORY;
	std::memset(m, 0xFF, bytes);
	*p = reinterpret_cast<uint64_t>(m);
	return CUDA_SUCCESS;
}

API CUresult cuMemFree_v2(uint64_t p)
{
	std::free(reinterpret_cast<void*>(p));
	return CUDA_SUCCESS;
}

API CUresult cuMemAllocHost_v2(void** p, size_t bytes)
{
	*p = std::calloc(1, bytes);
	return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

API CUresult cuMemFreeHost(void* p)
{
	std::free(p);
	return CUDA_SUCCESS;
}

API CUresult cuMemcpyHtoDAsync_v2(uint64_t dst, const void* src, size_t n, void*)
{
	std::lock_guard<std::mutex> g(mu);
	std::memcpy(reinterpret_cast<void*>(dst), src, n);
	return CUDA_SUCCESS;
}

API CUresult cuMemcpyDtoHAsync_v2(void* dst, uint64_t src, size_t n, void*)
{
	std::lock_guard<std::mutex> g(mu);
	std::memcpy(dst, reinterpret_cast<void*>(src), n);
	return CUDA_SUCCESS;
}

API CUresult cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t n, void*)
{
	std::lock_guard<std::mutex> g(mu);
	std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<void*>(src), n);
	return CUDA_SUCCESS;
}

API CUresult cuMemsetD32Async(uint64_t dst, unsigned v, size_t n, void*)
{
	std::lock_guard<std::mutex> g(mu);
	auto* p = reinterpret_cast<unsigned*>(dst);
	for (size_t i = 0; i < n; i++)
		p[i] = v;
	return CUDA_SUCCESS;
}

API CUresult cuStreamCreate(void** s, unsigned)
{
	*s = reinterpret_cast<void*>(1);
	return CUDA_SUCCESS;
}
API CUresult cuStreamDestroy_v2(void*) { return CUDA_SUCCESS; }
API CUresult cuStreamSynchronize(void*) { return CUDA_SUCCESS; }

API CUresult cuLaunchKernel(void* fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
	unsigned shmem, void*, void** params, void** extra)
{
	if (!fn || !params || extra || shmem != 0)
		return CUDA_ERROR_INVALID_VALUE;
	if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gy > 65535 || gz > 65535)
		return CUDA_ERROR_INVALID_VALUE;
	if (size_t(bx) * by * bz > 1024)
		return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
	std::lock_guard<std::mutex> g(mu);
	const Kernel& k = *static_cast<const Kernel*>(fn);
	gridDim = dim3{gx, gy, gz};
	blockDim = dim3{bx, by, bz};
	for (unsigned z = 0; z < gz; z++)
		for (unsigned y = 0; y < gy; y++)
			for (unsigned x = 0; x < gx; x++) {
				blockIdx = uint3{x, y, z};
				runBlock(k, params);
			}
	return CUDA_SUCCESS;
}
