package model

import (
	"fmt"
	"sort"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/tdw-workbench/tdw/sdk"
)

// Gorgonia returns the Gorgonia backend: each Runner builds a Gorgonia
// expression graph of the model (one per batch size) whose nodes are
// custom Ops wrapping the engine's fused kernels (embedding, head packing,
// LayerNorm, linear layers over the engine's BLAS, fused causal attention,
// residual sums, activations, cross-entropy), differentiates it with
// gorgonia.Grad and runs forward and backward on a TapeMachine. Values are
// tensor.Dense views of the parameters' and the runner's own buffers: no
// copies. The forward pass equals the CPU backend's bit for bit, gradients up
// to float32 rounding of their sums; runs are deterministic. A Runner's
// methods panic, naming the op, if Gorgonia fails to build or run the graph:
// inputs are validated before they reach a Runner, so that is a bug.
func Gorgonia() Backend { return gorgoniaBackend{} }

type gorgoniaBackend struct{}

func (gorgoniaBackend) Name() string { return "gorgonia-" + BLASName }

func (gorgoniaBackend) NewRunner(c sdk.ModelConfig, n, maxBatch int, spec RunSpec) Runner {
	return newGorgoniaRunner[float32](c, n, maxBatch, spec)
}

// gorgoniaRunner keeps one compiled graph per batch size (and, for
// training, per set of frozen parameters) over one shared workspace.
type gorgoniaRunner[T Float] struct {
	c      sdk.ModelConfig
	n      int
	pl     plan
	specs  []ParamSpec
	ws     *workspace[T]
	graphs map[string]*gGraph[T]
}

// newGorgoniaRunner makes a runner for sequences of n positions; graphs are
// built per batch size on first use, so no maximum batch is needed.
func newGorgoniaRunner[T Float](c sdk.ModelConfig, n, _ int, spec RunSpec) *gorgoniaRunner[T] {
	return &gorgoniaRunner[T]{c: c, n: n, pl: newPlan(c, spec.Hooks, true, spec.Logits),
		specs: ParamSpecs(c), ws: &workspace[T]{bufs: map[string][]T{}}, graphs: map[string]*gGraph[T]{}}
}

// gGraph is one compiled graph with its input nodes and the nodes read after
// a run.
type gGraph[T Float] struct {
	vm     G.VM
	params []*G.Node // in ParamSpecs order
	tok    *G.Node
	lab    *G.Node
	logits *G.Node
	grads  []*G.Node // per parameter; nil when frozen
	loss   lossState
	// emit, curB and curTok are the current forward call's, for the hooks
	// that ops emit as they complete.
	emit   Emitter
	curB   int
	curTok []int64
	bound  *Params[T] // the parameters bound last
	boundD *T
}

// gHook reads one kept hook: B × g groups × r rows × w.
type gHook[T Float] struct {
	name    string
	g, r, w int
	buf     func(tok []int64) []T
}

func (r *gorgoniaRunner[T]) nt() int {
	if r.pl.tailAll {
		return r.n
	}
	return 1
}

// graph returns the graph for B sequences, building it on first use.
func (r *gorgoniaRunner[T]) graph(B int, train bool, skip map[string]bool) *gGraph[T] {
	key := fmt.Sprintf("fwd|%d", B)
	if train {
		var fz []string
		for _, s := range r.specs {
			if skip[s.Name] {
				fz = append(fz, s.Name)
			}
		}
		sort.Strings(fz)
		key = fmt.Sprintf("train|%d|%s", B, strings.Join(fz, ","))
	}
	if g := r.graphs[key]; g != nil {
		return g
	}
	g := r.build(B, train, skip)
	r.graphs[key] = g
	return g
}

// run binds the parameters (when they changed), tokens and labels and runs
// the program once. A failing run is a bug in the graph: it panics.
func (r *gorgoniaRunner[T]) run(gr *gGraph[T], p *Params[T], tok, lab []int64) {
	if gr.bound != p || gr.boundD != &p.Data[0] {
		for i, s := range r.specs {
			if err := G.Let(gr.params[i], tensor.New(tensor.WithShape(s.Shape...), tensor.WithBacking(p.Get(s.Name)))); err != nil {
				panic(fmt.Sprintf("model: gorgonia backend: bind %s: %v", s.Name, err))
			}
		}
		gr.bound, gr.boundD = p, &p.Data[0]
	}
	if err := G.Let(gr.tok, tensor.New(tensor.WithShape(len(tok)), tensor.WithBacking(tok))); err != nil {
		panic(fmt.Sprintf("model: gorgonia backend: bind tokens: %v", err))
	}
	if gr.lab != nil {
		if err := G.Let(gr.lab, tensor.New(tensor.WithShape(len(lab)), tensor.WithBacking(lab))); err != nil {
			panic(fmt.Sprintf("model: gorgonia backend: bind labels: %v", err))
		}
	}
	gr.vm.Reset()
	if err := gr.vm.RunAll(); err != nil {
		panic(fmt.Sprintf("model: gorgonia backend: run: %v", err))
	}
}

// Forward runs the forward graph for B sequences; the kept hooks are read
// from the op outputs (and kernel state) and emitted as each op completes,
// while the data is in cache (after the run it cost 14% more).
func (r *gorgoniaRunner[T]) Forward(p *Params[T], tok []int64, B int, emit Emitter) []T {
	gr := r.graph(B, false, nil)
	tok = tok[:B*r.n]
	gr.emit, gr.curB, gr.curTok = emit, B, tok
	r.run(gr, p, tok, nil)
	gr.emit, gr.curTok = nil, nil
	return gr.logits.Value().Data().([]T)[:B*r.nt()*r.c.DVocabOut]
}

// emitAs hands a float32 buffer to emit; the float64 path (tests) emits
// nothing.
func emitAs[T Float](emit Emitter, name string, buf []T, B, g, r, w int) {
	if b, ok := any(buf).([]float32); ok {
		emit(name, b[:B*g*r*w], B, g, r, w)
	}
}

// Gradient runs forward and backward on B sequences and adds the parameter
// gradients read from the gradient nodes into grads.
func (r *gorgoniaRunner[T]) Gradient(p *Params[T], tok, labels []int64, B, norm int, grads *Params[T], skip map[string]bool) float64 {
	gr := r.graph(B, true, skip)
	gr.loss.norm = norm
	r.run(gr, p, tok[:B*r.n], labels[:B*r.nt()])
	for i, gn := range gr.grads {
		if gn == nil {
			continue
		}
		dst := grads.Get(r.specs[i].Name)
		for j, v := range gn.Value().Data().([]T) {
			dst[j] += v
		}
	}
	return gr.loss.sum
}
