package model

import (
	"fmt"

	"github.com/tdw-workbench/tdw/sdk"
)

// gradBatch is the most sequences one backward pass takes: a larger dataset
// is split into chunks whose gradients are summed (the probe of p = 113 has
// 12,769 rows; a train-mode runner keeps every activation of its batch).
const gradBatch = 4096

// Gradient returns the gradient of m's mean cross-entropy on ds (labels at
// pos, as in Evaluate) with respect to the named parameters (every parameter
// when names is empty), as float32 tensors shaped like them, and that loss.
// It runs the backward pass training uses (Runner.Gradient) and takes no
// optimizer step: m is not changed.
func Gradient(m *Model, ds sdk.Dataset, pos Positions, names []string) (loss float64, grads map[string]*sdk.Tensor, err error) {
	return gradient(m, ds, pos, names, nil)
}

// gradient is Gradient reusing the train-mode runners in cache (which may be
// nil), keyed like evaluation runners.
func gradient(m *Model, ds sdk.Dataset, pos Positions, names []string, cache map[evalKey]Runner) (float64, map[string]*sdk.Tensor, error) {
	if err := pos.kept("gradient"); err != nil {
		return 0, nil, err
	}
	want, skip, err := gradientNames(m.Params, names)
	if err != nil {
		return 0, nil, err
	}
	t := &Trainer{m: m}
	tok, lab, B, n, err := t.dataset(ds, "gradient", pos)
	if err != nil {
		return 0, nil, err
	}
	if B == 0 {
		return 0, nil, fmt.Errorf("gradient tokens: empty batch")
	}
	bs := min(B, gradBatch)
	key := evalKey{n, bs, pos.Select}
	r := cache[key]
	if r == nil {
		r = m.Backend.NewRunner(m.Config, n, bs, RunSpec{Logits: pos, Train: true})
		if cache != nil {
			cache[key] = r
		}
	}
	lr := 1 // labels per sequence
	if pos.Select == AllPositions {
		lr = n
	}
	acc := zeroLike(m.Params)
	var sum float64
	for off := 0; off < B; off += bs {
		nb := min(bs, B-off)
		// norm is every row of ds, so the chunks' gradients add up to the mean's.
		sum += r.Gradient(m.Params, tok[off*n:(off+nb)*n], lab[off*lr:(off+nb)*lr], nb, B*lr, acc, skip)
	}
	out := make(map[string]*sdk.Tensor, len(want))
	for _, s := range want {
		out[s.Name] = sdk.FromFloat32(append([]float32(nil), acc.Get(s.Name)...), s.Shape...)
	}
	return sum / float64(B*lr), out, nil
}

// gradientNames returns the specs of the requested parameters (all when names
// is empty) and the others as the backward pass's skip set. An unknown or
// repeated name is an error naming it.
func gradientNames(p *Params[float32], names []string) ([]ParamSpec, map[string]bool, error) {
	if len(names) == 0 {
		return p.Specs, nil, nil
	}
	req := make(map[string]bool, len(names))
	for _, name := range names {
		if !p.Has(name) {
			return nil, nil, fmt.Errorf("gradient: %q is not a parameter of the model", name)
		}
		if req[name] {
			return nil, nil, fmt.Errorf("gradient: %q is asked for twice", name)
		}
		req[name] = true
	}
	var want []ParamSpec
	skip := map[string]bool{}
	for _, s := range p.Specs {
		if req[s.Name] {
			want = append(want, s)
		} else {
			skip[s.Name] = true
		}
	}
	return want, skip, nil
}
