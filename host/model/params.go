package model

import (
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// ParamSpec names one parameter tensor and its shape.
type ParamSpec struct {
	Name  string
	Shape []int
}

// ParamSpecs returns every parameter of a model with configuration c, under
// TransformerLens state-dict names and shapes, in TransformerLens' order.
func ParamSpecs(c sdk.ModelConfig) []ParamSpec {
	if IsMLP(c) {
		return mlpParamSpecs(c)
	}
	d, h, dh := c.DModel, c.NHeads, c.DHead
	s := []ParamSpec{{"embed.W_E", []int{c.DVocab, d}}, {"pos_embed.W_pos", []int{c.NCtx, d}}}
	for l := 0; l < c.NLayers; l++ {
		p := fmt.Sprintf("blocks.%d.", l)
		if hasLN(c) {
			s = append(s, ParamSpec{p + "ln1.w", []int{d}}, ParamSpec{p + "ln1.b", []int{d}})
		}
		s = append(s,
			ParamSpec{p + "attn.W_Q", []int{h, d, dh}}, ParamSpec{p + "attn.W_K", []int{h, d, dh}},
			ParamSpec{p + "attn.W_V", []int{h, d, dh}}, ParamSpec{p + "attn.W_O", []int{h, dh, d}},
			ParamSpec{p + "attn.b_Q", []int{h, dh}}, ParamSpec{p + "attn.b_K", []int{h, dh}},
			ParamSpec{p + "attn.b_V", []int{h, dh}}, ParamSpec{p + "attn.b_O", []int{d}})
		if hasMLP(c) {
			if hasLN(c) {
				s = append(s, ParamSpec{p + "ln2.w", []int{d}}, ParamSpec{p + "ln2.b", []int{d}})
			}
			s = append(s,
				ParamSpec{p + "mlp.W_in", []int{d, c.DMLP}}, ParamSpec{p + "mlp.b_in", []int{c.DMLP}},
				ParamSpec{p + "mlp.W_out", []int{c.DMLP, d}}, ParamSpec{p + "mlp.b_out", []int{d}})
		}
	}
	if hasLN(c) {
		s = append(s, ParamSpec{"ln_final.w", []int{d}}, ParamSpec{"ln_final.b", []int{d}})
	}
	return append(s, ParamSpec{"unembed.W_U", []int{d, c.DVocabOut}}, ParamSpec{"unembed.b_U", []int{c.DVocabOut}})
}

// Params holds a model's parameters in one flat slice, each named tensor a
// contiguous sub-slice in ParamSpecs order, so that gradients and optimizer
// moments share the layout and update as flat vectors.
type Params[T Float] struct {
	Specs []ParamSpec
	Data  []T
	off   map[string][2]int
}

// NewParams returns zero-filled parameters for c.
func NewParams[T Float](c sdk.ModelConfig) *Params[T] {
	specs := ParamSpecs(c)
	p := &Params[T]{Specs: specs, off: make(map[string][2]int, len(specs))}
	n := 0
	for _, s := range specs {
		k := sdk.NumElements(s.Shape)
		p.off[s.Name] = [2]int{n, n + k}
		n += k
	}
	p.Data = make([]T, n)
	return p
}

// Get returns the named parameter as a view of Data. It panics if the name is
// not a parameter of the model: names come from ParamSpecs.
func (p *Params[T]) Get(name string) []T {
	o, ok := p.off[name]
	if !ok {
		panic(fmt.Sprintf("model: no parameter %q", name))
	}
	return p.Data[o[0]:o[1]:o[1]]
}

// Has reports whether name is a parameter of the model.
func (p *Params[T]) Has(name string) bool { _, ok := p.off[name]; return ok }

// Range returns the [start, end) offsets of the named parameter in Data.
func (p *Params[T]) Range(name string) (int, int, bool) {
	o, ok := p.off[name]
	return o[0], o[1], ok
}

// InitGPT2 fills p with TransformerLens' "gpt2" initialization: every W_*
// ~ Normal(0, InitStd(c)), biases 0, LayerNorm weights 1 and biases 0. The
// draws come from a PCG generator seeded with c.Seed, parameter by parameter
// in ParamSpecs order, so the result is deterministic.
//
// An architecture "mlp" model gets PyTorch's defaults instead (initMLP).
func InitGPT2[T Float](p *Params[T], c sdk.ModelConfig) {
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 0x7464772d696e6974)) // "tdw-init"
	if IsMLP(c) {
		initMLP(p, c, rng)
		return
	}
	std := InitStd(c)
	for _, s := range p.Specs {
		v := p.Get(s.Name)
		base := s.Name[strings.LastIndexByte(s.Name, '.')+1:]
		switch {
		case strings.HasPrefix(base, "W_"):
			for i := range v {
				v[i] = T(rng.NormFloat64() * std)
			}
		case strings.Contains(s.Name, "ln") && base == "w":
			for i := range v {
				v[i] = 1
			}
		default:
			clear(v)
		}
	}
}

// ignoredBuffer reports whether a state-dict entry is a TransformerLens buffer
// (attention mask, IGNORE value) rather than a parameter.
func ignoredBuffer(name string) bool {
	ok1, _ := path.Match("blocks.*.attn.mask", name)
	ok2, _ := path.Match("blocks.*.attn.IGNORE", name)
	return ok1 || ok2
}

// StateDict returns every parameter as a float32 sdk.Tensor sharing p's
// storage (for Params[float32]) under its TransformerLens name.
func StateDict(p *Params[float32]) map[string]*sdk.Tensor {
	m := make(map[string]*sdk.Tensor, len(p.Specs))
	for _, s := range p.Specs {
		m[s.Name] = sdk.FromFloat32(p.Get(s.Name), s.Shape...)
	}
	return m
}

// ParamsFromStateDict copies a float32 state dict into new parameters for c.
// It rejects, naming the tensor, any missing parameter, a parameter of the
// wrong dtype or shape, and any unknown name; TransformerLens' mask and IGNORE
// buffers are ignored.
func ParamsFromStateDict(c sdk.ModelConfig, sd map[string]*sdk.Tensor) (*Params[float32], error) {
	if err := ValidateConfig(c); err != nil {
		return nil, err
	}
	p := NewParams[float32](c)
	names := make([]string, 0, len(sd))
	for k := range sd {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !p.Has(k) && !ignoredBuffer(k) {
			return nil, fmt.Errorf("state dict: unknown tensor %q for this config", k)
		}
	}
	for _, s := range p.Specs {
		t, ok := sd[s.Name]
		if !ok || t == nil {
			return nil, fmt.Errorf("state dict: missing tensor %q %s", s.Name, sdk.ShapeString(s.Shape))
		}
		if t.DType() != sdk.Float32 {
			return nil, fmt.Errorf("state dict: tensor %q is %s, want float32", s.Name, t.DType())
		}
		if !slices.Equal(t.Shape(), s.Shape) {
			return nil, fmt.Errorf("state dict: tensor %q has shape %s, want %s", s.Name, t.ShapeString(), sdk.ShapeString(s.Shape))
		}
		copy(p.Get(s.Name), t.Float32s())
	}
	return p, nil
}

// Convert returns a copy of p with elements converted to U (e.g. a float64
// copy of float32 weights for gradient checks).
func Convert[U, T Float](p *Params[T]) *Params[U] {
	q := &Params[U]{Specs: p.Specs, off: p.off, Data: make([]U, len(p.Data))}
	for i, v := range p.Data {
		q.Data[i] = U(v)
	}
	return q
}

// zeroLike returns zero-filled parameters with p's layout.
func zeroLike[T Float](p *Params[T]) *Params[T] {
	return &Params[T]{Specs: p.Specs, off: p.off, Data: make([]T, len(p.Data))}
}
