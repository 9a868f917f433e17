package checkpoint

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestSaveLoad(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tensors := map[string]*sdk.Tensor{
		"embed.W_E":       randomTensor(rng, sdk.Float32, 114, 8),
		"pos_embed.W_pos": randomTensor(rng, sdk.Float32, 3, 8),
		"unembed.b_U":     sdk.NewTensor(sdk.Float32, 113),
	}
	cfg := json.RawMessage(`{"n_layers": 1, "d_model": 8, "n_heads": 2, "d_head": 4, "d_mlp": 16,
		"d_vocab": 114, "d_vocab_out": 113, "n_ctx": 3, "act_fn": "relu", "normalization_type": null}`)
	path := filepath.Join(t.TempDir(), "checkpoint_epoch_01200.safetensors")
	if err := Save(path, tensors, Meta{Epoch: 1200, Config: cfg, TDWVersion: "0.1.0"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Epoch != 1200 || c.TDWVersion != "0.1.0" || c.FormatVersion != FormatVersion || c.Path != path {
		t.Errorf("meta %+v", c.Meta)
	}
	mc, err := c.ModelConfig()
	if err != nil {
		t.Fatal(err)
	}
	if mc.DVocab != 114 || mc.DVocabOut != 113 || mc.NormalizationType != "" || mc.ActFn != "relu" {
		t.Errorf("config %+v", mc)
	}
	for name, want := range tensors {
		if !sameTensor(c.Tensors[name], want) {
			t.Errorf("%s differs after Save/Load", name)
		}
	}
	// Same arguments, same bytes: training determinism is checked on files.
	again := filepath.Join(t.TempDir(), "again.safetensors")
	if err := Save(again, tensors, Meta{Epoch: 1200, Config: cfg, TDWVersion: "0.1.0"}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(again)
	if string(a) != string(b) {
		t.Error("two Saves of the same checkpoint differ")
	}
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	f32 := map[string]*sdk.Tensor{"w": sdk.NewTensor(sdk.Float32, 2)}
	for _, tc := range []struct {
		name    string
		tensors map[string]*sdk.Tensor
		meta    Meta
		want    string
	}{
		{"float64 tensor", map[string]*sdk.Tensor{"w": sdk.NewTensor(sdk.Float64, 2)}, Meta{}, `"w" is float64(2,), not float32`},
		{"negative epoch", f32, Meta{Epoch: -1}, "negative epoch"},
		{"config not object", f32, Meta{Config: json.RawMessage(`[1]`)}, "config is not a JSON object"},
		{"config not JSON", f32, Meta{Config: json.RawMessage(`{"a":`)}, "config is not a JSON object"},
	} {
		err := Save(filepath.Join(dir, "c.safetensors"), tc.tensors, tc.meta)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadBadMetadata(t *testing.T) {
	w := map[string]*sdk.Tensor{"w": sdk.NewTensor(sdk.Float32, 1)}
	for _, tc := range []struct {
		name string
		meta map[string]string
		want string
	}{
		{"epoch", map[string]string{"epoch": "ten"}, "is not an epoch"},
		{"version", map[string]string{"tdw_format_version": "x"}, "not a version number"},
		{"newer version", map[string]string{"tdw_format_version": "99"}, "newer than this tdw reads"},
		{"config", map[string]string{"config": "{"}, "is not a JSON object"},
	} {
		path := filepath.Join(t.TempDir(), tc.name+".safetensors")
		if err := WriteFile(path, w, tc.meta); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		wantFormatError(t, err, path, "", tc.want)
	}
}

// goldenDir holds the engine's fixtures, written in Python by
// host/model/testdata/golden/make_golden.py.
var goldenDir = filepath.Join("..", "model", "testdata", "golden")

func TestLoadGoldenFixtures(t *testing.T) {
	for _, tc := range []struct {
		dir    string
		stored sdk.DType
	}{
		{"one_layer_relu", sdk.Float32},
		{"two_layer_ln_gelu", sdk.Float64},
		{"attn_only_ln", sdk.Float16},
		{"two_layer_relu_vocab_out", sdk.BFloat16},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join(goldenDir, tc.dir)
			raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			var cfg sdk.ModelConfig
			if err := json.Unmarshal(raw, &cfg); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "weights.safetensors")
			stored, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := stored.Tensors["embed.W_E"].DType(); got != tc.stored {
				t.Errorf("stored dtype %s, want %s", got, tc.stored)
			}
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.Epoch != -1 || c.Config != nil || c.FormatVersion != 0 {
				t.Errorf("a Python state dict loads with meta %+v", c.Meta)
			}
			want := map[string][]int{
				"embed.W_E":       {cfg.DVocab, cfg.DModel},
				"pos_embed.W_pos": {cfg.NCtx, cfg.DModel},
				"unembed.W_U":     {cfg.DModel, cfg.DVocabOut},
				"unembed.b_U":     {cfg.DVocabOut},
			}
			for l := range cfg.NLayers {
				p := "blocks." + string(rune('0'+l)) + "."
				for _, m := range []string{"Q", "K", "V"} {
					want[p+"attn.W_"+m] = []int{cfg.NHeads, cfg.DModel, cfg.DHead}
					want[p+"attn.b_"+m] = []int{cfg.NHeads, cfg.DHead}
				}
				want[p+"attn.W_O"] = []int{cfg.NHeads, cfg.DHead, cfg.DModel}
				want[p+"attn.b_O"] = []int{cfg.DModel}
				if !cfg.AttnOnly {
					want[p+"mlp.W_in"] = []int{cfg.DModel, cfg.DMLP}
					want[p+"mlp.b_in"] = []int{cfg.DMLP}
					want[p+"mlp.W_out"] = []int{cfg.DMLP, cfg.DModel}
					want[p+"mlp.b_out"] = []int{cfg.DModel}
				}
				if cfg.NormalizationType == "LN" {
					want[p+"ln1.w"], want[p+"ln1.b"] = []int{cfg.DModel}, []int{cfg.DModel}
					if !cfg.AttnOnly {
						want[p+"ln2.w"], want[p+"ln2.b"] = []int{cfg.DModel}, []int{cfg.DModel}
					}
				}
				mask, ignore := c.Tensors[p+"attn.mask"], c.Tensors[p+"attn.IGNORE"]
				if mask == nil || mask.DType() != sdk.Bool || !slices.Equal(mask.Shape(), []int{cfg.NCtx, cfg.NCtx}) {
					t.Errorf("%sattn.mask: %v, want bool(%d, %d) kept as stored", p, mask, cfg.NCtx, cfg.NCtx)
				}
				if ignore == nil || ignore.Rank() != 0 || !math.IsInf(float64(ignore.Float32s()[0]), -1) {
					t.Errorf("%sattn.IGNORE: %v, want a 0-rank -inf", p, ignore)
				}
			}
			if cfg.NormalizationType == "LN" {
				want["ln_final.w"], want["ln_final.b"] = []int{cfg.DModel}, []int{cfg.DModel}
			}
			for name, shape := range want {
				got := c.Tensors[name]
				if got == nil {
					t.Errorf("%s: missing", name)
					continue
				}
				if got.DType() != sdk.Float32 || !slices.Equal(got.Shape(), shape) {
					t.Errorf("%s: %v, want float32%s", name, got, sdk.ShapeString(shape))
				}
				// Conversion is elementwise and exact up to float32 rounding.
				src := stored.Tensors[name].AsFloat64()
				for i, v := range got.Float32s() {
					if v != float32(src[i]) {
						t.Fatalf("%s[%d] = %v, want float32(%v)", name, i, v, src[i])
					}
				}
			}
			if extra := len(c.Tensors) - len(want) - 2*cfg.NLayers; extra != 0 {
				t.Errorf("%d unexpected tensors in %v", extra, c.Tensors)
			}
		})
	}
}
