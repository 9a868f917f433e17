package model

import (
	"fmt"
	"sync"

	"github.com/tdw-workbench/tdw/host/model/cuda"
	"github.com/tdw-workbench/tdw/sdk"
)

// CUDA returns the CUDA backend on the first device, opening it (the
// driver library loaded at run time, the kernels JIT-compiled) the first
// time; the error says why there is none in one line: the library the
// loader could not open, or the driver's answer, e.g. "cuInit:
// CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected".
//
// The backend runs the CPU runner's computation kernel for kernel on the
// device (embedding, fused attention forward and backward, tiled SGEMM,
// activations, LayerNorm, float64 cross-entropy, AdamW), every reduction in
// a fixed order, so a run repeats exactly on the same device; results agree
// with the CPU runner within float32 rounding. Its Runners panic on a device
// error (out of memory, a failed launch): the Runner interface has no error
// return, and such an error is not the caller's input.
func CUDA() (Backend, error) {
	cudaOpen.once.Do(func() {
		dev, err := cuda.Open(0)
		if err != nil {
			cudaOpen.err = fmt.Errorf("backend cuda: %w", err)
			return
		}
		cudaOpen.b = &cudaBackend{dev: dev}
	})
	if cudaOpen.err != nil {
		return nil, cudaOpen.err
	}
	return cudaOpen.b, nil
}

var cudaOpen struct {
	once sync.Once
	b    *cudaBackend
	err  error
}

type cudaBackend struct{ dev *cuda.Device }

// Name is "cuda-" and the device's architecture, e.g. "cuda-sm90": results
// repeat exactly on one architecture, and metadata.json records it.
func (b *cudaBackend) Name() string { return "cuda-" + b.dev.Arch() }

func (b *cudaBackend) NewRunner(c sdk.ModelConfig, n, maxBatch int, spec RunSpec) Runner {
	if IsMLP(c) { // New and FromStateDict refuse first; this is a caller's bug
		panic("model: " + errCUDAMLP.Error())
	}
	return newCudaRunner(b.dev, c, n, maxBatch, spec)
}
