package checkpoint

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestOptimizerStateRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	s := &OptimizerState{Step: 25000, Epoch: 24999, ExpAvg: map[string]*sdk.Tensor{}, ExpAvgSq: map[string]*sdk.Tensor{}}
	for name, shape := range map[string][]int{
		"embed.W_E": {114, 8}, "blocks.0.attn.W_Q": {2, 8, 4}, "unembed.W_U": {8, 113},
	} {
		s.ExpAvg[name] = randomTensor(rng, sdk.Float32, shape...)
		s.ExpAvgSq[name] = randomTensor(rng, sdk.Float32, shape...)
	}
	path := filepath.Join(t.TempDir(), "optimizer.safetensors")
	if err := WriteOptimizerState(path, s); err != nil {
		t.Fatal(err)
	}
	got, err := ReadOptimizerState(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != s.Step || got.Epoch != s.Epoch || len(got.ExpAvg) != 3 || len(got.ExpAvgSq) != 3 {
		t.Fatalf("read step %d epoch %d, %d/%d moments", got.Step, got.Epoch, len(got.ExpAvg), len(got.ExpAvgSq))
	}
	for name := range s.ExpAvg {
		if !sameTensor(got.ExpAvg[name], s.ExpAvg[name]) || !sameTensor(got.ExpAvgSq[name], s.ExpAvgSq[name]) {
			t.Errorf("%s: moments differ after the round trip", name)
		}
	}
	// A plain checkpoint is not an optimizer state.
	ckpt := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := Save(ckpt, s.ExpAvg, Meta{Epoch: 3}); err != nil {
		t.Fatal(err)
	}
	_, err = ReadOptimizerState(ckpt)
	wantFormatError(t, err, ckpt, "", "not an optimizer-state file")
}

func TestOptimizerStateInvalid(t *testing.T) {
	f := func(n int) *sdk.Tensor { return sdk.NewTensor(sdk.Float32, n) }
	meta := func(step string) map[string]string {
		return map[string]string{"tdw_kind": "adamw_state", "step": step, "epoch": "1"}
	}
	for _, tc := range []struct {
		name    string
		tensors map[string]*sdk.Tensor
		meta    map[string]string
		tensor  string
		msg     string
	}{
		{"missing sq", map[string]*sdk.Tensor{"exp_avg.w": f(2)}, meta("1"), "exp_avg_sq.w", "missing"},
		{"missing avg", map[string]*sdk.Tensor{"exp_avg_sq.w": f(2)}, meta("1"), "exp_avg.w", "missing"},
		{"shape mismatch", map[string]*sdk.Tensor{"exp_avg.w": f(2), "exp_avg_sq.w": f(3)}, meta("1"), "exp_avg_sq.w", "differs"},
		{"float64", map[string]*sdk.Tensor{"exp_avg.w": sdk.NewTensor(sdk.Float64, 2), "exp_avg_sq.w": f(2)}, meta("1"), "exp_avg.w", "not float32"},
		{"stray tensor", map[string]*sdk.Tensor{"momentum.w": f(2)}, meta("1"), "momentum.w", "neither"},
		{"bad step", map[string]*sdk.Tensor{}, meta("-3"), "", "not a step count"},
		{"no epoch", map[string]*sdk.Tensor{}, map[string]string{"tdw_kind": "adamw_state", "step": "1"}, "", `"epoch" is missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "opt.safetensors")
			if err := WriteFile(path, tc.tensors, tc.meta); err != nil {
				t.Fatal(err)
			}
			_, err := ReadOptimizerState(path)
			wantFormatError(t, err, path, tc.tensor, tc.msg)
		})
	}
	// The writer refuses what the reader would.
	bad := &OptimizerState{Step: 1, ExpAvg: map[string]*sdk.Tensor{"w": f(2)}, ExpAvgSq: map[string]*sdk.Tensor{"w": f(3)}}
	if err := WriteOptimizerState(filepath.Join(t.TempDir(), "x"), bad); err == nil {
		t.Error("wrote moments of different shapes")
	}
}
