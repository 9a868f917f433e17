package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// TestGorgoniaForwardMatchesCPU runs the calibration model at p=13 on both
// backends with several hook requests and batch sizes (a smaller last batch
// makes a second graph) and wants byte-identical logits and hooks: the graph
// runs the same forward kernels in the same order.
func TestGorgoniaForwardMatchesCPU(t *testing.T) {
	c := calibrationConfig(13)
	ds := calibrationData(13)
	reqs := []ForwardOptions{
		{Hooks: []HookRequest{{"*", PosAll}}},
		{Hooks: []HookRequest{{"*", PosLast}, {"blocks.*.attn.hook_pattern", PosAll}}, Logits: PosLast},
		{Hooks: []HookRequest{{"blocks.0.attn.hook_attn_scores", PosLast}, {"hook_embed", PosLast}}, Logits: PosLast, BatchSize: 50},
		{Logits: PosAll, BatchSize: 60},
	}
	for i, opts := range reqs {
		cpu, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		gor, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		cpu.Backend, gor.Backend = CPU(), Gorgonia()
		want, err := cpu.Forward(ds.Tokens, opts)
		if err != nil {
			t.Fatal(err)
		}
		for rep := 0; rep < 2; rep++ { // the second run reuses the graphs
			got, err := gor.Forward(ds.Tokens, opts)
			if err != nil {
				t.Fatal(err)
			}
			sameTensor(t, i, "logits", got.Logits, want.Logits)
			if len(got.Hooks) != len(want.Hooks) {
				t.Fatalf("request %d: %d hooks, want %d", i, len(got.Hooks), len(want.Hooks))
			}
			for name, w := range want.Hooks {
				sameTensor(t, i, name, got.Hooks[name], w)
			}
		}
	}
}

func sameTensor(t *testing.T, req int, name string, got, want *sdk.Tensor) {
	t.Helper()
	if got == nil || got.ShapeString() != want.ShapeString() {
		t.Fatalf("request %d: %s is %v, want %s", req, name, got, want.ShapeString())
	}
	g, w := got.Float32s(), want.Float32s()
	for j := range w {
		if math.Float32bits(g[j]) != math.Float32bits(w[j]) {
			t.Fatalf("request %d: %s[%d] = %v, CPU backend %v", req, name, j, g[j], w[j])
		}
	}
}

// TestGorgoniaGradientMatchesCPU compares one float32 gradient of the
// calibration model (biases frozen, loss at the last position) between the
// backends: equal up to float32 rounding of the differently ordered sums.
func TestGorgoniaGradientMatchesCPU(t *testing.T) {
	c := calibrationConfig(13)
	ds := calibrationData(13)
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, calibrationTrain)
	if err != nil {
		t.Fatal(err)
	}
	tok, lab := ds.Tokens.Int64s(), ds.Labels.Int64s()
	B := len(lab)
	spec := RunSpec{Logits: PosLast, Train: true}
	var grads [2]*Params[float32]
	var loss [2]float64
	for i, be := range []Backend{CPU(), Gorgonia()} {
		grads[i] = zeroLike(m.Params)
		loss[i] = be.NewRunner(c, 3, B, spec).Gradient(m.Params, tok, lab, B, B, grads[i], tr.frozen)
	}
	if loss[0] != loss[1] {
		t.Errorf("loss: gorgonia %v, cpu %v", loss[1], loss[0])
	}
	for _, s := range m.Params.Specs {
		if tr.frozen[s.Name] {
			continue
		}
		want, got := grads[0].Get(s.Name), grads[1].Get(s.Name)
		var scale float64
		for _, v := range want {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		if scale == 0 {
			t.Errorf("%s: zero gradient on the CPU backend", s.Name)
		}
		for j := range want {
			if math.Abs(float64(got[j]-want[j])) > 1e-5*scale {
				t.Fatalf("%s[%d]: gorgonia %v, cpu %v (max |g| %v)", s.Name, j, got[j], want[j], scale)
			}
		}
	}
}

// TestGorgoniaGraphPerBatchSize checks that a runner builds one graph per
// batch size (and frozen set) and reuses it.
func TestGorgoniaGraphPerBatchSize(t *testing.T) {
	c := tinyConfig(2, true, ActGELU, false)
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	r := newGorgoniaRunner[float32](c, 4, 5, RunSpec{Logits: PosLast, Train: true})
	tok := make([]int64, 5*4)
	lab := make([]int64, 5)
	grads := zeroLike(m.Params)
	for _, B := range []int{5, 3, 5, 3} {
		r.Forward(m.Params, tok, B, nil)
		r.Gradient(m.Params, tok, lab, B, B, grads, nil)
	}
	r.Gradient(m.Params, tok, lab, 5, 5, grads, map[string]bool{"unembed.b_U": true})
	if len(r.graphs) != 5 {
		keys := make([]string, 0, len(r.graphs))
		for k := range r.graphs {
			keys = append(keys, k)
		}
		t.Errorf("graphs %v, want forward and training at B=5 and 3, and one with b_U frozen", keys)
	}
}

// TestBackendSelection checks BackendByName and the TDW_BACKEND default.
func TestBackendSelection(t *testing.T) {
	cases := []struct{ env, want, err string }{
		{"", Auto().Name(), ""},
		{"auto", Auto().Name(), ""},
		{"cpu", CPU().Name(), ""},
		{"gorgonia", Gorgonia().Name(), ""},
		{" gorgonia ", Gorgonia().Name(), ""},
		{"tpu", "", `TDW_BACKEND: backend "tpu": want one of auto, cpu, gorgonia, cuda`},
	}
	if cu, err := CUDA(); err != nil {
		cases = append(cases, struct{ env, want, err string }{"cuda", "", "TDW_BACKEND: backend cuda: "})
	} else {
		cases = append(cases, struct{ env, want, err string }{"cuda", cu.Name(), ""})
	}
	for _, tc := range cases {
		t.Setenv(BackendEnv, tc.env)
		m, err := New(calibrationConfig(5))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("TDW_BACKEND=%q: error %v, want %q", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("TDW_BACKEND=%q: %v", tc.env, err)
		}
		if m.Backend.Name() != tc.want {
			t.Errorf("TDW_BACKEND=%q: backend %s, want %s", tc.env, m.Backend.Name(), tc.want)
		}
	}
	t.Setenv(BackendEnv, "cuda")
	SetDefaultBackend(Gorgonia())
	defer SetDefaultBackend(nil)
	if b, err := DefaultBackend(); err != nil || b.Name() != Gorgonia().Name() {
		t.Errorf("SetDefaultBackend: %v, %v; it should win over TDW_BACKEND", b, err)
	}
}

// TestGorgoniaConcurrent runs forward passes and training of separate models
// from several goroutines at once (Model.Forward makes private runners under
// contention, so graphs are built concurrently) and wants every result equal
// to a lone run's.
func TestGorgoniaConcurrent(t *testing.T) {
	c := calibrationConfig(11)
	ds := calibrationData(11)
	opts := ForwardOptions{Hooks: []HookRequest{{"*", PosLast}}, Logits: PosLast, BatchSize: 40}
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Backend = Gorgonia()
	want, err := m.Forward(ds.Tokens, opts)
	if err != nil {
		t.Fatal(err)
	}
	lone, _ := trainOn(t, Gorgonia(), c, calibrationTrain, ds, 3)
	errs := make(chan error, 8)
	for i := 0; i < 4; i++ {
		go func() {
			got, err := m.Forward(ds.Tokens, opts)
			if err == nil && !slices.Equal(got.Logits.Float32s(), want.Logits.Float32s()) {
				err = fmt.Errorf("concurrent forward differs")
			}
			errs <- err
		}()
		go func() {
			mm, err := New(c)
			if err != nil {
				errs <- err
				return
			}
			mm.Backend = Gorgonia()
			tr, err := NewTrainer(mm, calibrationTrain)
			for k := 0; k < 3 && err == nil; k++ {
				_, err = tr.Epoch(ds)
			}
			if err == nil && !slices.Equal(mm.Params.Data, lone.Params.Data) {
				err = fmt.Errorf("concurrent training differs")
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
