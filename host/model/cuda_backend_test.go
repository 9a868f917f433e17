package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

// The CUDA backend's tests compare it with the CPU runner in the same
// binary (tolerances, not bytes: the device sums in another order and its
// exp/erf differ in the last bits). They need a device and skip without
// one; with TDW_CUDA_LIBRARY naming the CPU emulator (make test-cuda-emu)
// they run here on the kernels' C++ build, at smaller sizes.

// cudaForTest returns the CUDA backend and whether it is the emulator, or
// skips the test saying why there is none; with TDW_REQUIRE_CUDA=1 (set by
// bench/gpu/run.sh on a GPU machine) no device is a failure instead.
func cudaForTest(t testing.TB) (Backend, bool) {
	t.Helper()
	b, err := CUDA()
	if err != nil {
		if os.Getenv("TDW_REQUIRE_CUDA") == "1" {
			t.Fatalf("TDW_REQUIRE_CUDA=1 but no CUDA device: %v", err)
		}
		t.Skipf("no CUDA device: %v", err)
	}
	return b, strings.Contains(b.(*cudaBackend).dev.Name, "emulator")
}

// cudaTol is the agreement wanted between the device and the CPU runner,
// relative to the largest magnitude of the tensor compared.
const (
	cudaForwardTol  = 2e-5
	cudaGradientTol = 1e-4
)

// closeTo reports the first element where got and want differ by more than
// tol·max(|want|) and relatively by more than tol; equal infinities match.
func closeTo(got, want []float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	var scale float64
	for _, v := range want {
		if !math.IsInf(float64(v), 0) {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
	}
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		if !scalar.EqualWithinAbsOrRel(g, w, tol*scale, tol) {
			return fmt.Errorf("[%d] = %v, CPU runner %v (max |want| %.3g)", i, got[i], want[i], scale)
		}
	}
	return nil
}

// cudaConfigs are the architectures compared: the calibration model and
// small ones with LayerNorm, both GELUs, two layers, attention only.
func cudaConfigs(p int) []struct {
	name string
	c    sdk.ModelConfig
} {
	return []struct {
		name string
		c    sdk.ModelConfig
	}{
		{"calibration", calibrationConfig(p)},
		{"ln_gelu_2layer", tinyConfig(2, true, ActGELU, false)},
		{"gelu_new", tinyConfig(1, false, ActGELUNew, false)},
		{"attn_only_ln", tinyConfig(2, true, ActReLU, true)},
	}
}

// cudaPrime is the calibration model's prime in the comparisons: 113 on a
// GPU, 13 on the emulator.
func cudaPrime(emulated bool) int {
	if emulated {
		return 13
	}
	return 113
}

// randomModel returns a model of c with every parameter random (biases and
// LayerNorm weights too, so their paths are exercised).
func randomModel(t testing.TB, c sdk.ModelConfig, seed uint64) *Model {
	t.Helper()
	p64 := NewParams[float64](c)
	randomParams(p64, rand.New(rand.NewPCG(seed, 7)))
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	m.Params = Convert[float32](p64)
	return m
}

// TestCudaForwardMatchesCPU runs each architecture on both backends with
// several hook requests, positions and batch sizes (a smaller last batch)
// and wants the logits and every kept hook within float32 tolerance.
func TestCudaForwardMatchesCPU(t *testing.T) {
	cu, emulated := cudaForTest(t)
	reqs := []ForwardOptions{
		{Hooks: []HookRequest{{"*", PosAll}}},
		{Hooks: []HookRequest{{"*", PosLast}, {"blocks.*.attn.hook_pattern", PosAll}}, Logits: PosLast},
		{Hooks: []HookRequest{{"*attn_scores", PosLast}, {"hook_embed", PosLast}, {"*hook_k", PosLast}}, Logits: PosLast, BatchSize: 50},
		{Logits: PosAll, BatchSize: 60},
		{Hooks: []HookRequest{{"*hook_q", PosAll}, {"*resid_post", PosLast}}, Logits: PosLast, BatchSize: 33},
	}
	for ci, cc := range cudaConfigs(cudaPrime(emulated)) {
		m := randomModel(t, cc.c, uint64(ci))
		n := min(cc.c.NCtx, 3)
		tok := sdk.FromInt64(randomTokens(rand.New(rand.NewPCG(uint64(ci), 1)), 130, n, cc.c.DVocab), 130, n)
		for ri, opts := range reqs {
			m.Backend = CPU()
			want, err := m.Forward(tok, opts)
			if err != nil {
				t.Fatal(err)
			}
			m.Backend = cu
			for rep := 0; rep < 2; rep++ { // the second reuses the runner
				got, err := m.Forward(tok, opts)
				if err != nil {
					t.Fatal(err)
				}
				if err := closeTo(got.Logits.Float32s(), want.Logits.Float32s(), cudaForwardTol); err != nil {
					t.Fatalf("%s request %d: logits %v", cc.name, ri, err)
				}
				if len(got.Hooks) != len(want.Hooks) {
					t.Fatalf("%s request %d: %d hooks, want %d", cc.name, ri, len(got.Hooks), len(want.Hooks))
				}
				for name, w := range want.Hooks {
					g := got.Hooks[name]
					if g == nil || g.ShapeString() != w.ShapeString() {
						t.Fatalf("%s request %d: %s is %v, want %s", cc.name, ri, name, g, w.ShapeString())
					}
					if err := closeTo(g.Float32s(), w.Float32s(), cudaForwardTol); err != nil {
						t.Fatalf("%s request %d: %s%v", cc.name, ri, name, err)
					}
				}
			}
		}
	}
}

// TestCudaGradientMatchesCPU compares one float32 gradient per
// architecture, loss position and frozen set with the CPU runner's.
func TestCudaGradientMatchesCPU(t *testing.T) {
	cu, emulated := cudaForTest(t)
	for ci, cc := range cudaConfigs(cudaPrime(emulated)) {
		for _, lossAll := range []bool{false, true} {
			for _, frozen := range [][]string{nil, {"*.b_*"}} {
				name := fmt.Sprintf("%s/all=%v/frozen=%v", cc.name, lossAll, frozen)
				m := randomModel(t, cc.c, uint64(10+ci))
				tc := TrainConfig{AdamW: calibrationTrain.AdamW, Frozen: frozen, LossAllPositions: lossAll}
				tr, err := NewTrainer(m, tc)
				if err != nil {
					t.Fatal(err)
				}
				n, B := min(cc.c.NCtx, 3), 97
				rng := rand.New(rand.NewPCG(uint64(ci), 2))
				tok := randomTokens(rng, B, n, cc.c.DVocab)
				rows := B
				if lossAll {
					rows = B * n
				}
				lab := randomTokens(rng, rows, 1, cc.c.DVocabOut)
				spec := RunSpec{Logits: tc.lossPos(), Train: true}
				var grads [2]*Params[float32]
				var loss [2]float64
				for i, be := range []Backend{CPU(), cu} {
					grads[i] = zeroLike(m.Params)
					loss[i] = be.NewRunner(cc.c, n, B, spec).Gradient(m.Params, tok, lab, B, rows, grads[i], tr.frozen)
				}
				if !scalar.EqualWithinRel(loss[1], loss[0], 1e-6) {
					t.Errorf("%s: loss %v, CPU runner %v", name, loss[1], loss[0])
				}
				for _, s := range m.Params.Specs {
					// b_K's exact gradient is zero (a softmax does not see a
					// shift of a whole row): both backends give rounding noise.
					if tr.frozen[s.Name] || strings.HasSuffix(s.Name, "attn.b_K") {
						continue
					}
					if err := closeTo(grads[1].Get(s.Name), grads[0].Get(s.Name), cudaGradientTol); err != nil {
						t.Errorf("%s: d %s%v", name, s.Name, err)
					}
				}
			}
		}
	}
}

// cudaTrainingSize is the prime and epochs of the training comparison: the
// calibration model at p=113, train fraction 0.3, on a GPU; p=17 on the
// emulator.
func cudaTrainingSize(emulated bool) (p, epochs int) {
	if emulated {
		return 17, 60
	}
	return 113, 200
}

// TestCudaTrainingMatchesCPU trains the calibration model (biases frozen,
// full batch) on both backends and wants every epoch's loss and the final
// weights within tolerance: float32 rounding differences grow over training,
// but not past it in 200 epochs.
func TestCudaTrainingMatchesCPU(t *testing.T) {
	cu, emulated := cudaForTest(t)
	p, epochs := cudaTrainingSize(emulated)
	c := calibrationConfig(p)
	ds := firstRows(calibrationData(p), p*p*3/10)
	var losses [2][]float64
	var models [2]*Model
	for i, be := range []Backend{CPU(), cu} {
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		m.Backend = be
		tr, err := NewTrainer(m, calibrationTrain)
		if err != nil {
			t.Fatal(err)
		}
		for e := 0; e < epochs; e++ {
			l, err := tr.Epoch(ds)
			if err != nil {
				t.Fatal(err)
			}
			losses[i] = append(losses[i], l)
		}
		models[i] = m
	}
	worst := 0.0
	for e := range losses[0] {
		rel := math.Abs(losses[1][e]-losses[0][e]) / losses[0][e]
		worst = math.Max(worst, rel)
		if rel > 1e-3 {
			t.Fatalf("epoch %d: loss %v, CPU runner %v", e, losses[1][e], losses[0][e])
		}
	}
	t.Logf("p=%d, %d epochs: final loss %.4g (CPU runner %.4g), worst relative loss difference %.2g",
		p, epochs, losses[1][epochs-1], losses[0][epochs-1], worst)
	var diff, norm float64
	for i, w := range models[0].Params.Data {
		d := float64(models[1].Params.Data[i] - w)
		diff += d * d
		norm += float64(w) * float64(w)
	}
	if rel := math.Sqrt(diff / norm); rel > 1e-3 {
		t.Errorf("final weights differ from the CPU runner's by %.3g (relative L2)", rel)
	} else {
		t.Logf("final weights: relative L2 difference %.3g", rel)
	}
}

// TestCudaTrainingDeterministicAndResumable trains twice and wants the same
// bytes on the device, and 2k epochs straight equal to k epochs, an export
// of weights and optimizer state into a fresh model and trainer, and k more;
// full batch and minibatch (a smaller last batch).
func TestCudaTrainingDeterministicAndResumable(t *testing.T) {
	cu, emulated := cudaForTest(t)
	p, k, minibatch := 113, 50, 1000
	if emulated {
		p, k, minibatch = 11, 6, 10
	}
	c := calibrationConfig(p)
	ds := firstRows(calibrationData(p), p*p*3/10)
	for _, bs := range []int{0, minibatch} {
		tc := calibrationTrain
		tc.BatchSize = bs
		tc.ShuffleSeed = 5
		a, _ := trainOn(t, cu, c, tc, ds, 2*k)
		b, _ := trainOn(t, cu, c, tc, ds, 2*k)
		if string(weightBytes(a.Params)) != string(weightBytes(b.Params)) {
			t.Fatalf("batch %d: two runs on the device differ", bs)
		}
		checkResumable(t, cu, c, tc, ds, k)
	}
}

// TestCudaEvaluateMatchesCPU compares loss and accuracy, reduced on the
// device, with the CPU runner's, at the last and at every position.
func TestCudaEvaluateMatchesCPU(t *testing.T) {
	cu, _ := cudaForTest(t)
	p := 17
	m, err := New(calibrationConfig(p))
	if err != nil {
		t.Fatal(err)
	}
	ds := calibrationData(p)
	labAll := make([]int64, p*p*3)
	for i, v := range ds.Tokens.Int64s() {
		labAll[i] = (v + 1) % int64(p)
	}
	all := sdk.Dataset{Tokens: ds.Tokens, Labels: sdk.FromInt64(labAll, p*p, 3)}
	for _, tc := range []struct {
		ds  sdk.Dataset
		pos Positions
	}{{ds, PosLast}, {all, PosAll}} {
		m.Backend = CPU()
		wl, wa, err := Evaluate(m, tc.ds, tc.pos)
		if err != nil {
			t.Fatal(err)
		}
		m.Backend = cu
		gl, ga, err := Evaluate(m, tc.ds, tc.pos)
		if err != nil {
			t.Fatal(err)
		}
		if !scalar.EqualWithinRel(gl, wl, 1e-6) || math.Abs(ga-wa) > 1.5/float64(p*p) {
			t.Errorf("%v: loss %v accuracy %v, CPU runner %v %v", tc.pos, gl, ga, wl, wa)
		}
	}
}

// TestCudaForwardConcurrent runs forward passes of one model from several
// goroutines (each gets its own runner and stream) and wants each equal to a
// lone run's bytes.
func TestCudaForwardConcurrent(t *testing.T) {
	cu, _ := cudaForTest(t)
	m := randomModel(t, calibrationConfig(11), 3)
	m.Backend = cu
	ds := calibrationData(11)
	opts := ForwardOptions{Hooks: []HookRequest{{"*", PosLast}}, Logits: PosLast, BatchSize: 40}
	want, err := m.Forward(ds.Tokens, opts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := m.Forward(ds.Tokens, opts)
			if err != nil {
				errs <- err
				return
			}
			for name, w := range want.Hooks {
				if string(weightBytesOf(got.Hooks[name].Float32s())) != string(weightBytesOf(w.Float32s())) {
					errs <- fmt.Errorf("%s differs from a lone run's", name)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func weightBytesOf(x []float32) []byte {
	return weightBytes(&Params[float32]{Data: x})
}

// TestAutoFallsBack checks that auto (the default) is the CUDA backend when
// a device answers and Gorgonia when none does, so that a machine without a
// GPU trains and analyzes exactly as before.
func TestAutoFallsBack(t *testing.T) {
	t.Setenv(BackendEnv, "")
	b, err := DefaultBackend()
	if err != nil {
		t.Fatal(err)
	}
	if cu, err := CUDA(); err != nil {
		if b.Name() != Gorgonia().Name() {
			t.Errorf("no CUDA device (%v): default backend %s, want %s", err, b.Name(), Gorgonia().Name())
		}
		if !strings.HasPrefix(err.Error(), "backend cuda: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("CUDA(): %q, want one line starting with %q", err, "backend cuda: ")
		}
	} else if b != cu {
		t.Errorf("CUDA device present: default backend %s, want %s", b.Name(), cu.Name())
	}
	if os.Getenv("TDW_CUDA_LIBRARY") == "" {
		t.Log("TDW_CUDA_LIBRARY unset: the driver is libcuda.so.1")
	}
}
