package model

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// BackendEnv names the environment variable that selects the default
// backend ("cpu" or "gorgonia") when SetDefaultBackend was not called.
// Unset, the default is Gorgonia (the design card's); CPU is the reference
// the Gorgonia backend is tested against.
const BackendEnv = "TDW_BACKEND"

// BackendNames lists the names BackendByName accepts.
var BackendNames = []string{"cpu", "gorgonia"}

// BackendByName returns the backend called name: "cpu" (CPU, the hand-written
// fused runner) or "gorgonia" (Gorgonia, the expression-graph runner over the
// same kernels). Another name is an error listing the valid ones.
func BackendByName(name string) (Backend, error) {
	switch name {
	case "cpu":
		return CPU(), nil
	case "gorgonia":
		return Gorgonia(), nil
	}
	return nil, fmt.Errorf("backend %q: want one of %s", name, strings.Join(BackendNames, ", "))
}

var defaultBackend struct {
	sync.Mutex
	b Backend
}

// SetDefaultBackend makes b the backend of models made by New and
// FromStateDict from now on (nil: back to TDW_BACKEND / Gorgonia).
func SetDefaultBackend(b Backend) {
	defaultBackend.Lock()
	defer defaultBackend.Unlock()
	defaultBackend.b = b
}

// DefaultBackend returns the backend New and FromStateDict give a model: the
// one set by SetDefaultBackend, else the one named by $TDW_BACKEND, else
// Gorgonia.
// An unknown TDW_BACKEND value is an error naming the variable.
func DefaultBackend() (Backend, error) {
	defaultBackend.Lock()
	b := defaultBackend.b
	defaultBackend.Unlock()
	if b != nil {
		return b, nil
	}
	name := strings.TrimSpace(os.Getenv(BackendEnv))
	if name == "" {
		return Gorgonia(), nil
	}
	b, err := BackendByName(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", BackendEnv, err)
	}
	return b, nil
}
