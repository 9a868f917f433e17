package model

import (
	"math"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestInitGPT2(t *testing.T) {
	c := calibrationConfig(113)
	a, b := NewParams[float32](c), NewParams[float32](c)
	InitGPT2(a, c)
	InitGPT2(b, c)
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatal("same seed, different init")
		}
	}
	for _, s := range a.Specs {
		v := a.Get(s.Name)
		var sum, ss float64
		for _, x := range v {
			sum += float64(x)
			ss += float64(x) * float64(x)
		}
		n := float64(len(v))
		std := math.Sqrt(ss/n - (sum/n)*(sum/n))
		if strings.Contains(s.Name, ".W_") {
			if math.Abs(std-InitStd(c)) > 0.1*InitStd(c) {
				t.Errorf("%s: std %v, want %v", s.Name, std, InitStd(c))
			}
		} else if ss != 0 {
			t.Errorf("%s: bias not zero", s.Name)
		}
	}
	c2 := c
	c2.Seed++
	InitGPT2(b, c2)
	if a.Data[0] == b.Data[0] && a.Data[1] == b.Data[1] {
		t.Error("different seeds, same init")
	}
}

func TestParamSpecsNamesAndShapes(t *testing.T) {
	c := tinyConfig(2, true, ActGELU, false)
	got := map[string]string{}
	for _, s := range ParamSpecs(c) {
		got[s.Name] = sdk.ShapeString(s.Shape)
	}
	want := map[string]string{
		"embed.W_E": "(7, 8)", "pos_embed.W_pos": "(4, 8)", "blocks.1.attn.W_Q": "(2, 8, 3)",
		"blocks.1.attn.W_O": "(2, 3, 8)", "blocks.1.attn.b_K": "(2, 3)", "blocks.1.attn.b_O": "(8,)",
		"blocks.0.mlp.W_in": "(8, 10)", "blocks.0.mlp.b_in": "(10,)", "blocks.0.mlp.W_out": "(10, 8)",
		"blocks.0.ln1.w": "(8,)", "blocks.1.ln2.b": "(8,)", "ln_final.w": "(8,)",
		"unembed.W_U": "(8, 5)", "unembed.b_U": "(5,)",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if n := len(got); n != 2+2*(2+8+2+4)+2+2 {
		t.Errorf("%d parameters", n)
	}
	ao := ParamSpecs(tinyConfig(1, false, "", true))
	for _, s := range ao {
		if strings.Contains(s.Name, "mlp") || strings.Contains(s.Name, "ln") {
			t.Errorf("attn-only no-LN model has %s", s.Name)
		}
	}
}

func TestFromStateDict(t *testing.T) {
	c := tinyConfig(1, true, ActReLU, false)
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	good := func() map[string]*sdk.Tensor {
		sd := map[string]*sdk.Tensor{}
		for k, v := range m.StateDict() {
			sd[k] = v.Clone()
		}
		sd["blocks.0.attn.mask"] = sdk.FromBool(make([]bool, 16), 4, 4)
		sd["blocks.0.attn.IGNORE"] = sdk.FromFloat32([]float32{float32(math.Inf(-1))})
		return sd
	}
	m2, err := FromStateDict(c, good())
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Params.Data {
		if m.Params.Data[i] != m2.Params.Data[i] {
			t.Fatal("round trip changed a weight")
		}
	}
	cases := []struct {
		edit func(map[string]*sdk.Tensor)
		want string
	}{
		{func(sd map[string]*sdk.Tensor) { delete(sd, "blocks.0.attn.W_K") }, `missing tensor "blocks.0.attn.W_K"`},
		{func(sd map[string]*sdk.Tensor) { sd["blocks.0.attn.W_K"] = sdk.NewTensor(sdk.Float32, 2, 3, 8) }, `"blocks.0.attn.W_K" has shape (2, 3, 8)`},
		{func(sd map[string]*sdk.Tensor) { sd["unembed.b_U"] = sdk.NewTensor(sdk.Float64, 5) }, `"unembed.b_U" is float64`},
		{func(sd map[string]*sdk.Tensor) { sd["blocks.3.attn.W_Q"] = sdk.NewTensor(sdk.Float32, 1) }, `unknown tensor "blocks.3.attn.W_Q"`},
		{func(sd map[string]*sdk.Tensor) { sd["unembed.W_U"] = nil }, `missing tensor "unembed.W_U"`},
	}
	for _, tc := range cases {
		sd := good()
		tc.edit(sd)
		if _, err := FromStateDict(c, sd); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	// StateDict shares storage: a write through it changes the model.
	m.StateDict()["unembed.b_U"].Float32s()[0] = 42
	if m.Params.Get("unembed.b_U")[0] != 42 {
		t.Error("StateDict is not a view")
	}
}
