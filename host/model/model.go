package model

import (
	"fmt"
	"sync"

	"github.com/tdw-workbench/tdw/sdk"
)

// Model is a configuration, its float32 parameters and the backend that runs
// it. Forward and Evaluate only read the parameters and may run from several
// goroutines at once, but not while a Trainer updates them.
type Model struct {
	Config  sdk.ModelConfig
	Params  *Params[float32]
	Backend Backend

	// fwd keeps the last forward Runner (its workspace) for the next call
	// with the same request; a concurrent call makes its own.
	fwdMu sync.Mutex
	fwd   struct {
		key string
		b   Backend
		r   Runner
	}
}

// New returns a model with TransformerLens "gpt2" initialization seeded by
// c.Seed, on DefaultBackend (an unknown TDW_BACKEND is an error).
func New(c sdk.ModelConfig) (*Model, error) {
	if err := ValidateConfig(c); err != nil {
		return nil, err
	}
	b, err := DefaultBackend()
	if err != nil {
		return nil, err
	}
	if b, err = backendFor(c, b); err != nil {
		return nil, err
	}
	p := NewParams[float32](c)
	InitGPT2(p, c)
	return &Model{Config: c, Params: p, Backend: b}, nil
}

// FromStateDict returns a model holding a copy of the float32 state dict sd
// (see ParamsFromStateDict for what is rejected), on DefaultBackend.
func FromStateDict(c sdk.ModelConfig, sd map[string]*sdk.Tensor) (*Model, error) {
	p, err := ParamsFromStateDict(c, sd)
	if err != nil {
		return nil, err
	}
	b, err := DefaultBackend()
	if err != nil {
		return nil, err
	}
	if b, err = backendFor(c, b); err != nil {
		return nil, err
	}
	return &Model{Config: c, Params: p, Backend: b}, nil
}

// StateDict returns every parameter under its TransformerLens name as a
// float32 tensor sharing the model's storage: writes through it change the
// model.
func (m *Model) StateDict() map[string]*sdk.Tensor { return StateDict(m.Params) }

// tokenMatrix validates an int64 (or int32) [batch, pos] token tensor against
// c and returns it as int64s with its dimensions.
func tokenMatrix(c sdk.ModelConfig, t *sdk.Tensor, what string) ([]int64, int, int, error) {
	if t == nil {
		return nil, 0, 0, fmt.Errorf("%s: no tensor", what)
	}
	if t.Rank() != 2 {
		return nil, 0, 0, fmt.Errorf("%s: shape %s, want [batch, pos]", what, t.ShapeString())
	}
	B, n := t.Shape()[0], t.Shape()[1]
	if IsMLP(c) && n != c.NCtx {
		return nil, 0, 0, fmt.Errorf("%s: %d positions, an architecture \"mlp\" model takes the pair [a, b] (%d)", what, n, c.NCtx)
	}
	if n < 1 || n > c.NCtx {
		return nil, 0, 0, fmt.Errorf("%s: %d positions, want 1..n_ctx=%d", what, n, c.NCtx)
	}
	var tok []int64
	switch t.DType() {
	case sdk.Int64:
		tok = t.Int64s()
	case sdk.Int32:
		tok = make([]int64, t.Len())
		for i, v := range t.Int32s() {
			tok[i] = int64(v)
		}
	default:
		return nil, 0, 0, fmt.Errorf("%s: dtype %s, want int64", what, t.DType())
	}
	for i, v := range tok {
		if v < 0 || v >= int64(c.DVocab) {
			return nil, 0, 0, fmt.Errorf("%s: token %d at [%d, %d] outside 0..d_vocab-1=%d", what, v, i/n, i%n, c.DVocab-1)
		}
	}
	return tok, B, n, nil
}
