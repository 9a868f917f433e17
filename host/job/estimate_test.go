package job

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// TestEstimateTrainQuick: the quick preset's estimate, 10 epochs, lies
// within a quarter above the peaks measured for it (351 MiB on the CPU
// backend, 386 MiB on Gorgonia, host and family plugin together;
// docs/engine.md), and its disk is the eleven checkpoints, the optimizer
// state and metadata.json.
func TestEstimateTrainQuick(t *testing.T) {
	env := testEnv(t)
	est, err := EstimateTrain(context.Background(), env, TrainRequest{Family: "modulo_addition_1layer", Preset: "quick", Epochs: 10})
	if err != nil {
		t.Fatal(err)
	}
	if mib := est.Memory >> 20; mib < 386 || mib > 386*5/4 {
		t.Errorf("memory estimate %d MiB, measured 351 to 386 MiB", mib)
	}
	c := modaddConfig(113)
	ckpt := 4*model.ParamCount(c) + safetensorsHeader(len(model.ParamSpecs(c)))
	if est.Parts[2].Disk != 11*ckpt || !strings.Contains(est.Parts[2].What, "11 checkpoints") {
		t.Errorf("checkpoints: %+v, want 11 of %d bytes", est.Parts[2], ckpt)
	}
	if est.Machine.Memory <= 0 || est.Machine.Disk <= 0 {
		t.Errorf("machine not read: %+v", est.Machine)
	}
	if _, err := os.Stat(filepath.Join(env.Results, "modulo_addition_1layer")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an estimate created the variant: %v", err)
	}
}

// modaddConfig is modulo_addition_1layer's model at prime p.
func modaddConfig(p int) sdk.ModelConfig {
	return sdk.ModelConfig{NLayers: 1, DModel: 128, NHeads: 4, DHead: 32, DMLP: 512, DVocab: p + 1, DVocabOut: p, NCtx: 3, ActFn: "relu"}
}

// TestGuardRefusesTraining: a training whose estimate exceeds the memory
// the jobs may use is refused before the variant is created, naming the
// estimate and the override; AllowLarge runs it.
func TestGuardRefusesTraining(t *testing.T) {
	env := testEnv(t)
	env.Budget = &Machine{Memory: 32 << 20}
	r := tiny(1, 5)
	_, err := Train(context.Background(), env, r, nil)
	var large *TooLargeError
	if !errors.As(err, &large) || large.Resource != "memory" ||
		!strings.Contains(err.Error(), "training of modulo_addition_1layer_p17_seed1_dseed598_frac0.5 needs about") ||
		!strings.Contains(err.Error(), "this machine has 32.0 MiB (the jobs' memory budget): refused; allow_large (tdw-host --allow-large) runs it anyway") {
		t.Fatalf("Train over budget: %v", err)
	}
	if _, err := os.Stat(filepath.Join(env.Results, "modulo_addition_1layer")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused training created its variant: %v", err)
	}
	r.AllowLarge = true
	if _, err := Train(context.Background(), env, r, nil); err != nil {
		t.Fatalf("Train with AllowLarge: %v", err)
	}
}

// TestGuardRefusesAnalysis: an analysis whose artifacts exceed the disk
// the jobs may use is refused; AllowLarge runs it.
func TestGuardRefusesAnalysis(t *testing.T) {
	env := testEnv(t)
	out, err := Train(context.Background(), env, tiny(2, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	env.Budget = &Machine{Disk: 1024}
	r := AnalyzeRequest{Family: "modulo_addition_1layer", Variant: out.Variant.Name, Analyzers: testAnalyzers}
	_, err = Analyze(context.Background(), env, r, nil)
	var large *TooLargeError
	if !errors.As(err, &large) || large.Resource != "disk" || !strings.Contains(err.Error(), "analysis of "+out.Variant.Name+" needs about") {
		t.Fatalf("Analyze over budget: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out.Variant.Dir(), "analysis", "manifest.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused analysis wrote its manifest: %v", err)
	}
	r.AllowLarge = true
	if _, err := Analyze(context.Background(), env, r, nil); err != nil {
		t.Fatalf("Analyze with AllowLarge: %v", err)
	}
}

// TestManagerRefusesAtStart: the dashboard's jobs are refused as they are
// started, not when they run; an accepted job carries its estimate.
func TestManagerRefusesAtStart(t *testing.T) {
	env := testEnv(t)
	env.Budget = &Machine{Memory: 32 << 20}
	m := NewManager(env, Options{})
	defer shutdown(t, m)
	var large *TooLargeError
	if _, err := m.StartTrain(tiny(3, 5)); !errors.As(err, &large) {
		t.Fatalf("StartTrain over budget: %v", err)
	}
	if l := m.List(); len(l) != 0 {
		t.Errorf("a refused job is listed: %+v", l)
	}
	r := tiny(3, 5)
	r.AllowLarge = true
	in, err := m.StartTrain(r)
	if err != nil || in.Estimate != nil {
		t.Fatalf("StartTrain with AllowLarge: %+v, %v", in, err)
	}
	if end := waitFor(t, m, in.ID, "the end", ended); end.State != Done {
		t.Errorf("job with AllowLarge: %s %s", end.State, end.Error)
	}
	env.Budget = nil
	m2 := NewManager(env, Options{})
	defer shutdown(t, m2)
	in, err = m2.StartTrain(tiny(4, 5))
	if err != nil || in.Estimate == nil || in.Estimate.Memory <= 0 || in.Estimate.Disk <= 0 {
		t.Fatalf("StartTrain within the machine: %+v, %v", in, err)
	}
	if end := waitFor(t, m2, in.ID, "the end", ended); end.State != Done {
		t.Errorf("job within the machine: %s %s", end.State, end.Error)
	}
}

// TestLargestPrimeRefused reproduces issue 11's p = 1009: with 99% of the
// pairs for training, one full-batch step needs about 35 GB, refused on a
// machine with less available (skipped on one with more).
func TestLargestPrimeRefused(t *testing.T) {
	env := testEnv(t)
	r := TrainRequest{Family: "modulo_addition_1layer", Params: map[string]string{"prime": "1009", "train_fraction": "0.99"}, Epochs: 10}
	est, err := EstimateTrain(context.Background(), env, r)
	if err != nil {
		t.Fatal(err)
	}
	if est.Machine.Memory >= est.Memory {
		t.Skipf("this machine has %s available, more than the %s estimated", Bytes(est.Machine.Memory), Bytes(est.Memory))
	}
	var large *TooLargeError
	if _, err := Train(context.Background(), env, r, nil); !errors.As(err, &large) {
		t.Fatalf("Train of p=1009: %v", err)
	}
}

// TestShapeElems evaluates analyzer.json shapes.
func TestShapeElems(t *testing.T) {
	dims := map[string]int{"n_layers": 2, "d_mlp": 512, "p": 113, "n_epochs": 30}
	for shape, want := range map[string]int64{
		"()": 1, "(20)": 20, "(d_mlp,)": 512, "(n_layers*d_mlp, p, p)": 2 * 512 * 113 * 113,
		"(n_epochs-1,)": 29, "(k,)": 7, "(n_freq, n_layers*d_mlp)": 7 * 1024,
	} {
		if got := shapeElems(registry.OutputSpec{Shape: shape}, dims, 7); got != want {
			t.Errorf("shapeElems(%q) = %d, want %d", shape, got, want)
		}
	}
}

// TestOutputBytes: neuron_activations' artifact at p = 113 is its float16
// (n_layers*d_mlp, p, p) array, 13 MB, as written.
func TestOutputBytes(t *testing.T) {
	m := &registry.AnalyzerManifest{Outputs: []registry.OutputSpec{{Name: "activations", DType: "float16", Shape: "(n_layers*d_mlp, p, p)"}},
		Summary: []registry.OutputSpec{{Name: "mean", DType: "float32", Shape: "()"}}}
	if got, want := outputBytes(m, shapeDims(modaddConfig(113), nil, 113*113, 30, nil, nil), 1), int64(2*512*113*113+4); got != want {
		t.Errorf("outputBytes = %d, want %d", got, want)
	}
}

// TestEstimateExtension: extending a finished run counts only the
// checkpoints still to write; resuming a finished run is refused in Train's
// words.
func TestEstimateExtension(t *testing.T) {
	env := testEnv(t)
	r := tiny(6, 10)
	if _, err := Train(context.Background(), env, r, nil); err != nil {
		t.Fatal(err)
	}
	ext := TrainRequest{Family: r.Family, Params: r.Params, ExtendTo: 20, Checkpoints: "12:20:4"}
	est, err := EstimateTrain(context.Background(), env, ext)
	if err != nil {
		t.Fatal(err)
	}
	if p := est.Parts[2]; !strings.HasPrefix(p.What, "3 checkpoints of ") {
		t.Errorf("extension to 20 with checkpoints 12, 16, 20: %+v", p)
	}
	res := TrainRequest{Family: r.Family, Params: r.Params, Resume: true}
	if _, err := EstimateTrain(context.Background(), env, res); err == nil || !strings.Contains(err.Error(), "already trained to 10 epochs") {
		t.Errorf("resume of a finished run: %v", err)
	}
}
