package model

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"github.com/tdw-workbench/tdw/sdk"
)

// sentinel marks a value no pass has written: a NaN payload no arithmetic
// produces.
var sentinel = math.Float32frombits(0x7fa00bad)

// perSequenceBuffers returns the distinct activation and gradient buffers
// of e (every []float32 field except the weights and the parameter-sized
// gradient scratch), found by reflection so that a buffer added to net is
// counted without this test knowing its name.
func perSequenceBuffers(e *net[float32]) [][]float32 {
	skip := map[string]bool{"w": true, "dwq": true, "dbq": true, "dwkv": true, "dbkv": true}
	seen := map[uintptr]bool{}
	var out [][]float32
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				if !skip[v.Type().Field(i).Name] {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Float32 {
				if v.Len() > 0 && !seen[v.Pointer()] {
					seen[v.Pointer()] = true
					out = append(out, unsafe.Slice((*float32)(unsafe.Pointer(v.Pointer())), v.Len()))
				}
				return
			}
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(e).Elem())
	return out
}

// TestActivationFloatsMatchEngine runs the CPU engine's forward (and
// backward) over buffers filled with a sentinel and checks that the values
// it wrote are exactly what activationFloats counts, for models with and
// without LayerNorm and MLPs, one or two layers, loss at the last or every
// position, and forward passes keeping hooks.
func TestActivationFloatsMatchEngine(t *testing.T) {
	base := sdk.ModelConfig{NLayers: 1, DModel: 8, NHeads: 2, DHead: 3, DMLP: 12, DVocab: 7, DVocabOut: 6, NCtx: 4, ActFn: ActReLU, Seed: 5}
	ln2 := base
	ln2.NLayers, ln2.NormalizationType, ln2.ActFn = 2, NormLN, ActGELU
	attnOnly := ln2
	attnOnly.AttnOnly, attnOnly.DMLP, attnOnly.ActFn = true, 0, ""
	attnOnly1 := base
	attnOnly1.AttnOnly, attnOnly1.DMLP, attnOnly1.ActFn = true, 0, ""
	hooks := func(c sdk.ModelConfig, reqs ...HookRequest) map[string]Positions {
		h, err := resolveHooks(c, reqs)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, tc := range []struct {
		name string
		c    sdk.ModelConfig
		spec RunSpec
	}{
		{"1 layer, train at last", base, RunSpec{Logits: PosLast, Train: true}},
		{"1 layer, train at all", base, RunSpec{Logits: PosAll, Train: true}},
		{"1 layer, evaluate", base, RunSpec{Logits: PosLast}},
		{"2 layers LN, train at last", ln2, RunSpec{Logits: PosLast, Train: true}},
		{"2 layers LN, train at all", ln2, RunSpec{Logits: PosAll, Train: true}},
		{"2 layers attention only, train at last", attnOnly, RunSpec{Logits: PosLast, Train: true}},
		{"1 layer attention only, train at last", attnOnly1, RunSpec{Logits: PosLast, Train: true}},
		{"1 layer attention only, train at all", attnOnly1, RunSpec{Logits: PosAll, Train: true}},
		{"every hook at every position", ln2, RunSpec{Logits: PosAll, Hooks: hooks(ln2, HookRequest{"*", PosAll})}},
		{"every hook at the last", ln2, RunSpec{Logits: PosLast, Hooks: hooks(ln2, HookRequest{"*", PosLast})}},
		{"MLP at the last", base, RunSpec{Logits: PosLast, Hooks: hooks(base, HookRequest{"blocks.*.mlp.hook_post", PosLast})}},
		{"scores and keys", base, RunSpec{Logits: PosLast, Hooks: hooks(base,
			HookRequest{"blocks.0.attn.hook_attn_scores", PosLast}, HookRequest{"blocks.0.attn.hook_k", PosAll})}},
		{"embeddings at the last", ln2, RunSpec{Logits: PosLast, Hooks: hooks(ln2, HookRequest{"hook_*", PosLast})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const B, n = 5, 4
			m, err := New(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			e := newNet[float32](tc.c, n, B, newPlan(tc.c, tc.spec.Hooks, true, tc.spec.Logits), tc.spec.Train)
			bufs := perSequenceBuffers(e)
			for _, b := range bufs {
				for i := range b {
					b[i] = sentinel
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			tok := make([]int64, B*n)
			for i := range tok {
				tok[i] = rng.Int64N(int64(tc.c.DVocab))
			}
			e.pack(m.Params)
			e.forward(m.Params, tok, B, func(string, []float32, int, int, int, int) {})
			if tc.spec.Train {
				rows := B * e.nt()
				lab := make([]int64, rows)
				for i := range lab {
					lab[i] = rng.Int64N(int64(tc.c.DVocabOut))
				}
				e.lossAndGrad(lab, rows, rows)
				e.backward(m.Params, zeroLike(m.Params), tok, B, nil)
			}
			written := 0
			for _, b := range bufs {
				for _, v := range b {
					if math.Float32bits(v) != math.Float32bits(sentinel) {
						written++
					}
				}
			}
			if want := B * activationFloats(tc.c, n, tc.spec); int64(written) != want {
				t.Errorf("the engine wrote %d values for %d sequences; activationFloats counts %d", written, B, want)
			}
		})
	}
}

// TestTrainingBytes checks the parts TrainingBytes and EvalBytes add up for
// the modular-addition model at p = 113 and half the pairs for training.
func TestTrainingBytes(t *testing.T) {
	c := calibrationConfig(113)
	train, eval := 6384, 6385
	tc := TrainConfig{AdamW: AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.98, Eps: 1e-8, WeightDecay: 1}}
	if got, want := TrainingBytes(c, 3, train, tc),
		16*ParamCount(c)+8*int64(train)*4+4*int64(train)*activationFloats(c, 3, RunSpec{Logits: PosLast, Train: true}); got != want {
		t.Errorf("TrainingBytes = %d, want %d", got, want)
	}
	tc.BatchSize = 512
	if got, want := TrainingBytes(c, 3, train, tc),
		16*ParamCount(c)+8*int64(train)*4+4*512*activationFloats(c, 3, RunSpec{Logits: PosLast, Train: true}); got != want {
		t.Errorf("TrainingBytes with batches of 512 = %d, want %d", got, want)
	}
	if got, want := EvalBytes(c, 3, eval, PosLast), 8*int64(eval)*4+4*evalBatch*activationFloats(c, 3, RunSpec{Logits: PosLast}); got != want {
		t.Errorf("EvalBytes = %d, want %d", got, want)
	}
	// The step's activations: 6540 values per sequence plus the logits and
	// their gradient (2 d_vocab_out), counted by hand from net.go.
	if a := activationFloats(c, 3, RunSpec{Logits: PosLast, Train: true}); a != 6540+2*113 {
		t.Errorf("training activations per sequence = %d, want %d", a, 6540+2*113)
	}
	if p := ParamCount(c); p != 114*128+3*128+4*4*128*32+3*4*32+128+128*512+512+512*128+128+128*113+113 {
		t.Errorf("ParamCount = %d", p)
	}
}

// TestForwardBytes: the cache of every kept hook and the logits, plus one
// batch's runner.
func TestForwardBytes(t *testing.T) {
	c := calibrationConfig(113)
	opts := ForwardOptions{Hooks: []HookRequest{{"blocks.0.mlp.hook_post", PosLast}, {"blocks.0.attn.hook_pattern", PosAll}}, Logits: PosLast}
	got, err := ForwardBytes(c, 12769, 3, opts)
	if err != nil {
		t.Fatal(err)
	}
	hooks, _ := resolveHooks(c, opts.Hooks)
	want := 4*int64(12769)*(512+4*3*3+113) + RunnerBytes(c, 3, DefaultForwardBatch, RunSpec{Hooks: hooks, Logits: PosLast})
	if got != want {
		t.Errorf("ForwardBytes = %d, want %d", got, want)
	}
	if _, err := ForwardBytes(c, 10, 3, ForwardOptions{Hooks: []HookRequest{{"blocks.7.*", PosLast}}}); err == nil {
		t.Error("a pattern matching no hook was accepted")
	}
}
