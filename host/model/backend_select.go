package model

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/tdw-workbench/tdw/sdk"
)

// BackendEnv names the environment variable that selects the default
// backend (one of BackendNames) when SetDefaultBackend was not called.
// Unset, the default is "auto": CUDA when a device answers, else Gorgonia
// (the design card's); CPU is the reference both are tested against.
const BackendEnv = "TDW_BACKEND"

// BackendNames lists the names BackendByName accepts.
var BackendNames = []string{"auto", "cpu", "gorgonia", "cuda"}

// BackendByName returns the backend called name: "cpu" (CPU, the hand-written
// fused runner), "gorgonia" (Gorgonia, the expression-graph runner over the
// same kernels), "cuda" (CUDA, the same kernels on an NVIDIA GPU; an error
// saying why when there is none) or "auto" (Auto). Another name is an error
// listing the valid ones.
func BackendByName(name string) (Backend, error) {
	switch name {
	case "auto":
		return Auto(), nil
	case "cpu":
		return CPU(), nil
	case "gorgonia":
		return Gorgonia(), nil
	case "cuda":
		return CUDA()
	}
	return nil, fmt.Errorf("backend %q: want one of %s", name, strings.Join(BackendNames, ", "))
}

// Auto returns the CUDA backend when a CUDA device answers, else Gorgonia.
// The probe (loading the driver library, cuInit) happens once per process.
// An architecture "mlp" model made with Auto's CUDA backend runs on
// Gorgonia instead (see backendFor).
func Auto() Backend {
	if b, err := CUDA(); err == nil {
		return autoCUDA{b.(*cudaBackend)}
	}
	return Gorgonia()
}

// autoCUDA is the CUDA backend as Auto chose it, not named: a model the
// CUDA backend does not run falls back to Gorgonia.
type autoCUDA struct{ *cudaBackend }

// backendFor returns the backend a model of configuration c runs on when b
// was asked for: b, or Gorgonia for an MLP when Auto chose CUDA. The CUDA
// backend named outright refuses an MLP.
func backendFor(c sdk.ModelConfig, b Backend) (Backend, error) {
	if !IsMLP(c) {
		return b, nil
	}
	switch b.(type) {
	case autoCUDA:
		return Gorgonia(), nil
	case *cudaBackend:
		return nil, errCUDAMLP
	}
	return b, nil
}

// errCUDAMLP is the CUDA backend's refusal of an architecture "mlp" model.
var errCUDAMLP = fmt.Errorf("backend cuda runs transformers only, not architecture \"mlp\"; use backend gorgonia or cpu (--backend, %s)", BackendEnv)

var defaultBackend struct {
	sync.Mutex
	b Backend
}

// SetDefaultBackend makes b the backend of models made by New and
// FromStateDict from now on (nil: back to TDW_BACKEND / Auto).
func SetDefaultBackend(b Backend) {
	defaultBackend.Lock()
	defer defaultBackend.Unlock()
	defaultBackend.b = b
}

// DefaultBackend returns the backend New and FromStateDict give a model: the
// one set by SetDefaultBackend, else the one named by $TDW_BACKEND, else
// Auto. An unknown TDW_BACKEND value, or "cuda" without a device, is an
// error naming the variable.
func DefaultBackend() (Backend, error) {
	defaultBackend.Lock()
	b := defaultBackend.b
	defaultBackend.Unlock()
	if b != nil {
		return b, nil
	}
	name := strings.TrimSpace(os.Getenv(BackendEnv))
	if name == "" {
		return Auto(), nil
	}
	b, err := BackendByName(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", BackendEnv, err)
	}
	return b, nil
}
