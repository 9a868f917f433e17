package model

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

const validJSON = `{"n_layers": 1, "d_model": 128, "n_heads": 4, "d_head": 32, "d_mlp": 512,
 "d_vocab": 114, "d_vocab_out": 113, "n_ctx": 3, "act_fn": "relu", "normalization_type": null,
 "attn_only": false, "seed": 999}`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(validJSON))
	if err != nil {
		t.Fatal(err)
	}
	if c != calibrationConfig(113) {
		t.Errorf("got %+v", c)
	}
	if got, want := InitStd(c), 0.8/math.Sqrt(128); got != want {
		t.Errorf("InitStd %v, want %v", got, want)
	}
	// Round trip through ConfigJSON / ParseConfig.
	b, err := ConfigJSON(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.NLayers != c.NLayers || back.DVocabOut != c.DVocabOut || InitStd(back) != InitStd(c) {
		t.Errorf("round trip: %+v", back)
	}
	// Attention-only with null d_mlp, d_vocab_out defaulting to d_vocab,
	// and TransformerLens keys that do not change the computation.
	c, err = ParseConfig([]byte(`{"n_layers": 2, "d_model": 8, "n_heads": 2, "d_head": 4, "d_mlp": null,
		"d_vocab": 11, "n_ctx": 5, "act_fn": null, "normalization_type": "LN", "attn_only": true,
		"model_name": "x", "positional_embedding_type": "standard", "eps": 1e-5, "d_vocab_out": -1,
		"attn_scale": 2.0, "rotary_base": 10000, "attn_scores_soft_cap": -1.0, "num_experts": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.DVocabOut != 11 || c.DMLP != 0 || !hasLN(c) || hasMLP(c) {
		t.Errorf("attn-only: %+v", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	edit := func(key, val string) string {
		var m map[string]json.RawMessage
		json.Unmarshal([]byte(validJSON), &m)
		if val == "" {
			delete(m, key)
		} else {
			m[key] = json.RawMessage(val)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		json, want string
	}{
		{`{"n_layers": 1,`, "malformed JSON"},
		{`null`, "null"},
		{`[1]`, "malformed JSON"},
		{edit("n_layers", "0"), "n_layers"},
		{edit("n_layers", `"one"`), `key "n_layers"`},
		{edit("d_model", "1.5"), `key "d_model"`},
		{edit("n_heads", ""), "n_heads"},
		{edit("d_mlp", "null"), "d_mlp"},
		{edit("act_fn", `"swish"`), "act_fn"},
		{edit("normalization_type", `"RMS"`), "normalization_type"},
		{edit("n_ctx", "-3"), "n_ctx"},
		{edit("initializer_range", "-1"), "initializer_range"},
		{edit("bogus", "1"), `unknown key "bogus"`},
		{edit("positional_embedding_type", `"rotary"`), "positional_embedding_type"},
		{edit("eps", "1e-6"), `"eps"`},
		{edit("attn_scale", "8"), `"attn_scale"`},
		{edit("tie_word_embeddings", "true"), `"tie_word_embeddings"`},
	}
	for _, tc := range cases {
		_, err := ParseConfig([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.json, err, tc.want)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	os.WriteFile(p, []byte(edit("d_head", "0")), 0o644)
	if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "d_head") {
		t.Errorf("LoadConfig error %v should name the file and d_head", err)
	}
}

func TestNormalizeConfig(t *testing.T) {
	c, err := NormalizeConfig(sdk.ModelConfig{NLayers: 1, DModel: 8, NHeads: 2, DHead: 4, DVocab: 5, NCtx: 3, AttnOnly: true, NormalizationType: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DVocabOut != 5 || hasLN(c) || c.NormalizationType != "" {
		t.Errorf("got %+v", c)
	}
	if _, err := NormalizeConfig(sdk.ModelConfig{NLayers: 1, DModel: 8, NHeads: 2, DHead: 4, DVocab: 5, NCtx: 3, ActFn: "relu"}); err == nil || !strings.Contains(err.Error(), "d_mlp") {
		t.Errorf("missing d_mlp: %v", err)
	}
}

// FuzzParseConfig checks that no input panics and that whatever parses also
// validates and round-trips through ConfigJSON.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(validJSON))
	f.Add([]byte(`{"n_layers": 2, "d_model": 8, "n_heads": 2, "d_head": 4, "d_mlp": null, "d_vocab": 11, "n_ctx": 5, "attn_only": true}`))
	f.Add([]byte(`{"d_vocab_out": -1, "eps": 1e-5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			return
		}
		if err := ValidateConfig(c); err != nil {
			t.Fatalf("parsed config does not validate: %v", err)
		}
		out, err := ConfigJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("round trip of %s: %v", out, err)
		}
		if back.NLayers != c.NLayers || back.DMLP != c.DMLP || back.DVocabOut != c.DVocabOut || back.NormalizationType != c.NormalizationType {
			t.Fatalf("round trip changed %+v to %+v", c, back)
		}
	})
}
