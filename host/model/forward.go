package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// DefaultForwardBatch is the number of sequences per forward chunk when
// ForwardOptions.BatchSize is 0.
const DefaultForwardBatch = 1024

// ForwardOptions says what a forward pass keeps.
type ForwardOptions struct {
	// Hooks lists the hook patterns to keep; nil keeps none.
	Hooks []HookRequest
	// Logits is the position selection for the returned logits.
	Logits Positions
	// BatchSize is the number of sequences run at once (0: DefaultForwardBatch).
	BatchSize int
}

// Cache is a forward pass's result: logits and the kept hooks, float32,
// under TransformerLens names, with shapes per the positions requested.
type Cache struct {
	Logits *sdk.Tensor
	Hooks  map[string]*sdk.Tensor
}

// Forward runs tokens (int64 [batch, pos], pos ≤ n_ctx) through the model in
// batches and returns the logits and the requested hooks. Errors name the bad
// token or hook pattern. Compute that no kept output needs is skipped: with
// only last-position outputs, the last block's queries, MLP and the unembed
// run at the last position only.
func (m *Model) Forward(tokens *sdk.Tensor, opts ForwardOptions) (*Cache, error) {
	return m.ForwardInto(nil, tokens, opts)
}

// ForwardInto is Forward writing into the tensors of dst where a tensor of the
// right name, dtype and shape is there already (e.g. the previous
// checkpoint's cache), so a loop over checkpoints allocates its cache once.
// dst may be nil. The returned cache is dst (or a new one when dst is nil)
// holding exactly the kept hooks.
func (m *Model) ForwardInto(dst *Cache, tokens *sdk.Tensor, opts ForwardOptions) (*Cache, error) {
	c := m.Config
	tok, B, n, err := tokenMatrix(c, tokens, "tokens")
	if err != nil {
		return nil, err
	}
	hooks, err := resolveHooks(c, opts.Hooks)
	if err != nil {
		return nil, err
	}
	if err := opts.Logits.kept("forward: logits"); err != nil {
		return nil, err
	}
	if IsMLP(c) {
		// No position axis: every output has one row per pair, which
		// copyKept takes as the last position's.
		for k := range hooks {
			hooks[k] = PosLast
		}
		opts.Logits = PosLast
	}
	bs := opts.BatchSize
	if bs <= 0 {
		bs = DefaultForwardBatch
	}
	bs = max(1, min(bs, B))
	var old map[string]*sdk.Tensor
	var oldLogits *sdk.Tensor
	cache := dst
	if cache == nil {
		cache = &Cache{}
	} else {
		old, oldLogits = cache.Hooks, cache.Logits
	}
	cache.Hooks = map[string]*sdk.Tensor{}
	out := map[string][]float32{}
	pos := map[string]Positions{}
	for _, h := range Hooks(c) {
		if p, ok := hooks[h.Name]; ok {
			t := reuse(old[h.Name], hookShape(c, h.kind, B, n, p))
			cache.Hooks[h.Name] = t
			out[h.Name], pos[h.Name] = t.Float32s(), p
		}
	}
	cache.Logits = reuse(oldLogits, hookShape(c, kindLogits, B, n, opts.Logits))
	r, release := m.forwardRunner(n, bs, RunSpec{Hooks: hooks, Logits: opts.Logits})
	defer release()
	for off := 0; off < B; off += bs {
		nb := min(bs, B-off)
		emit := func(name string, buf []float32, b, g, rows, w int) {
			copyKept(out[name], pos[name], off, n, buf, b, g, rows, w)
		}
		logits := r.Forward(m.Params, tok[off*n:(off+nb)*n], nb, emit)
		rows := len(logits) / (nb * c.DVocabOut)
		copyKept(cache.Logits.Float32s(), opts.Logits, off, n, logits, nb, 1, rows, c.DVocabOut)
	}
	return cache, nil
}

// copyKept copies a computed buffer (B sequences × g groups × r rows of width
// w) into the output for sequences off.. at the kept positions. It panics if
// all positions are kept but only the last was computed: the plan prevents it.
func copyKept(dst []float32, p Positions, off, n int, buf []float32, B, g, r, w int) {
	// The copies run over goroutines: on a fresh cache their cost is mostly
	// first-touch page faults, which the cores then take in parallel.
	if p.Select == AllPositions {
		if r != n {
			panic("model: hook kept at all positions was computed at the last only")
		}
		d, s := dst[off*g*n*w:], buf[:B*g*n*w]
		parallelRows(B*g, n*w, func(lo, hi int) { copy(d[lo*n*w:hi*n*w], s[lo*n*w:hi*n*w]) })
		return
	}
	parallelRows(B*g, w, func(lo, hi int) {
		if r == 1 {
			copy(dst[(off*g+lo)*w:(off*g+hi)*w], buf[lo*w:hi*w])
			return
		}
		for i := lo; i < hi; i++ {
			copy(dst[(off*g+i)*w:][:w], buf[((i+1)*r-1)*w:][:w])
		}
	})
}

// reuse returns t if it is float32 of the given shape, else a new tensor.
func reuse(t *sdk.Tensor, shape []int) *sdk.Tensor {
	if t != nil && t.DType() == sdk.Float32 && slices.Equal(t.Shape(), shape) {
		return t
	}
	return sdk.NewTensor(sdk.Float32, shape...)
}

// forwardRunner returns the model's kept Runner when it was made for the same
// backend, sizes and request, else a new one that is kept in its place. When
// another goroutine holds the kept one it returns a private Runner. release
// must be called when the pass is done.
func (m *Model) forwardRunner(n, bs int, spec RunSpec) (Runner, func()) {
	names := make([]string, 0, len(spec.Hooks))
	for k, p := range spec.Hooks {
		names = append(names, k+"="+p.String())
	}
	sort.Strings(names)
	key := fmt.Sprintf("%d|%d|%v|%s", n, bs, spec.Logits, strings.Join(names, ","))
	if !m.fwdMu.TryLock() {
		return m.Backend.NewRunner(m.Config, n, bs, spec), func() {}
	}
	if m.fwd.r == nil || m.fwd.key != key || m.fwd.b != m.Backend {
		m.fwd.r, m.fwd.key, m.fwd.b = m.Backend.NewRunner(m.Config, n, bs, spec), key, m.Backend
	}
	return m.fwd.r, m.fwdMu.Unlock
}
