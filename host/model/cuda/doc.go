// Package cuda is the CUDA driver API subset the engine's GPU backend uses,
// loaded at run time with purego (no cgo, no CUDA headers at build time, no
// libcuda needed to start), and the engine's kernels as PTX embedded in the
// binary.
//
// The driver library is libcuda.so.1 (the driver's own name; $TDW_CUDA_LIBRARY
// overrides the path). Only versioned entry points whose signatures are the
// same in CUDA 12 and 13 are bound: the primary context
// (cuDevicePrimaryCtxRetain + cuCtxSetCurrent) rather than cuCtxCreate, whose
// signature CUDA 13 changed. A context is current per OS thread, so every
// call happens between Device.Bind and its release, which pins the goroutine
// to its thread.
//
// The kernels are CUDA C in kernels/*.cu, compiled to PTX for compute_80 by
// `make ptx` (nvcc unpacked from Debian's nvidia-cuda-toolkit, see the
// Makefile) and committed; the driver JIT-compiles them for the device.
package cuda
