package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"

	"github.com/tdw-workbench/tdw/sdk"
)

// Activation function names accepted in sdk.ModelConfig.ActFn.
const (
	ActReLU    = "relu"
	ActGELU    = "gelu"     // exact erf GELU, as torch.nn.functional.gelu
	ActGELUNew = "gelu_new" // tanh approximation, as TransformerLens gelu_new
)

// Architectures accepted in sdk.ModelConfig.Architecture ("" means
// transformer), and an MLP's input encodings (sdk.ModelConfig.InputEncoding).
const (
	ArchTransformer      = "transformer"
	ArchMLP              = "mlp"
	EncodingOneHotConcat = "one_hot_concat"
	EncodingEmbeddingSum = "embedding_sum"
)

// NormLN is the only LayerNorm kind supported besides none ("").
const NormLN = "LN"

// A model's configuration is an sdk.ModelConfig: the one type the family
// plugins, config.json and checkpoints share. This file reads, validates
// and writes it under TransformerLens HookedTransformerConfig key names.

// ignoredKeys are HookedTransformerConfig keys that a TransformerLens
// config.json carries but that do not change the computation this engine
// supports (or whose supported value is checked below).
var ignoredKeys = map[string]bool{
	"model_name": true, "original_architecture": true, "device": true, "n_devices": true,
	"tokenizer_name": true, "default_prepend_bos": true, "dtype": true, "checkpoint_index": true,
	"checkpoint_label_type": true, "checkpoint_value": true, "tokenizer_prepends_bos": true,
	"init_weights": true, "init_mode": true, "use_attn_result": true, "use_split_qkv_input": true,
	"use_hook_mlp_in": true, "use_attn_in": true, "use_local_attn": true, "use_hook_tokens": true,
	"from_checkpoint": true, "n_params": true, "seed_everything": true,
	"trust_remote_code": true, "rotary_base": true, "rotary_adjacent_pairs": true,
	"NTK_by_parts_low_freq_factor": true, "NTK_by_parts_high_freq_factor": true,
	"NTK_by_parts_factor": true, "NTK_original_ctx_len": true, "decoder_start_token_id": true,
	"relative_attention_max_distance": true, "relative_attention_num_buckets": true,
	"ungroup_grouped_query_attention": true, "d_vocab_in": true,
}

// mustEqual are TransformerLens keys accepted only at the value this engine
// implements.
var mustEqual = map[string]any{
	"positional_embedding_type":          "standard",
	"attention_dir":                      "causal",
	"eps":                                1e-5,
	"scale_attn_by_inverse_layer_idx":    false,
	"parallel_attn_mlp":                  false,
	"final_rms":                          false,
	"gated_mlp":                          false,
	"rotary_dim":                         nil,
	"window_size":                        nil,
	"attn_types":                         nil,
	"n_key_value_heads":                  nil,
	"use_attn_scale":                     true,
	"load_in_4bit":                       false,
	"num_experts":                        nil,
	"experts_per_token":                  nil,
	"post_embedding_ln":                  false,
	"tie_word_embeddings":                false,
	"use_normalization_before_and_after": false,
	"attn_scores_soft_cap":               -1.0,
	"output_logits_soft_cap":             -1.0,
	"use_NTK_by_parts_rope":              false,
	"use_qk_norm":                        false,
}

// LoadConfig reads a TransformerLens-keyed config.json. Errors name the file
// and the offending key.
func LoadConfig(path string) (sdk.ModelConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return sdk.ModelConfig{}, fmt.Errorf("model config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return sdk.ModelConfig{}, fmt.Errorf("model config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes and validates TransformerLens-keyed JSON. d_mlp and
// normalization_type may be null; d_vocab_out may be -1 or absent (meaning
// d_vocab); initializer_range may be absent (meaning 0.8/sqrt(d_model)).
// Unknown keys are errors.
func ParseConfig(data []byte) (sdk.ModelConfig, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return sdk.ModelConfig{}, fmt.Errorf("malformed JSON: %w", err)
	}
	if raw == nil {
		return sdk.ModelConfig{}, fmt.Errorf("config is null, want an object")
	}
	c := sdk.ModelConfig{DVocabOut: -1}
	attnScale := math.NaN()
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := raw[k]
		null := bytes.Equal(bytes.TrimSpace(v), []byte("null"))
		var err error
		switch k {
		case "n_layers":
			err = decodeInt(v, &c.NLayers)
		case "d_model":
			err = decodeInt(v, &c.DModel)
		case "n_heads":
			err = decodeInt(v, &c.NHeads)
		case "d_head":
			err = decodeInt(v, &c.DHead)
		case "d_mlp":
			if !null {
				err = decodeInt(v, &c.DMLP)
			}
		case "d_vocab":
			err = decodeInt(v, &c.DVocab)
		case "d_vocab_out":
			if !null {
				err = decodeInt(v, &c.DVocabOut)
			}
		case "n_ctx":
			err = decodeInt(v, &c.NCtx)
		case "act_fn":
			if !null {
				err = json.Unmarshal(v, &c.ActFn)
			}
		case "normalization_type":
			if !null {
				err = json.Unmarshal(v, &c.NormalizationType)
			}
		case "attn_only":
			err = json.Unmarshal(v, &c.AttnOnly)
		case "initializer_range":
			if !null {
				err = json.Unmarshal(v, &c.InitRange)
			}
		case "seed":
			if !null {
				err = json.Unmarshal(v, &c.Seed)
			}
		case "attn_scale":
			err = json.Unmarshal(v, &attnScale)
		case "architecture":
			if !null {
				err = json.Unmarshal(v, &c.Architecture)
			}
		case "input_encoding":
			if !null {
				err = json.Unmarshal(v, &c.InputEncoding)
			}
		case "d_embed":
			if !null {
				err = decodeInt(v, &c.DEmbed)
			}
		default:
			if ignoredKeys[k] {
				continue
			}
			want, ok := mustEqual[k]
			if !ok {
				return sdk.ModelConfig{}, fmt.Errorf("unknown key %q", k)
			}
			var got any
			if err := json.Unmarshal(v, &got); err != nil {
				return sdk.ModelConfig{}, fmt.Errorf("key %q: %w", k, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return sdk.ModelConfig{}, fmt.Errorf("key %q is %s; only %v is supported", k, v, want)
			}
		}
		if err != nil {
			return sdk.ModelConfig{}, fmt.Errorf("key %q: %w", k, err)
		}
	}
	if c.DVocabOut == -1 {
		c.DVocabOut = c.DVocab
	}
	if err := ValidateConfig(c); err != nil {
		return sdk.ModelConfig{}, err
	}
	// TransformerLens stores the score divisor; only sqrt(d_head) is supported.
	if !math.IsNaN(attnScale) && math.Abs(attnScale-math.Sqrt(float64(c.DHead))) > 1e-6*attnScale {
		return sdk.ModelConfig{}, fmt.Errorf("key \"attn_scale\" is %v; only sqrt(d_head) = %v is supported", attnScale, math.Sqrt(float64(c.DHead)))
	}
	return c, nil
}

func decodeInt(v json.RawMessage, dst *int) error {
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return fmt.Errorf("%s is not an integer", v)
	}
	*dst = int(f)
	return nil
}

// ValidateConfig reports the first field of c that is out of range or that
// the engine does not implement, by its JSON key.
func ValidateConfig(c sdk.ModelConfig) error {
	switch c.Architecture {
	case "", ArchTransformer:
	case ArchMLP:
		return validateMLP(c)
	default:
		return fmt.Errorf("architecture = %q, want \"transformer\" or \"mlp\"", c.Architecture)
	}
	if c.InputEncoding != "" {
		return fmt.Errorf("input_encoding = %q: only an architecture \"mlp\" model has one", c.InputEncoding)
	}
	if c.DEmbed != 0 {
		return fmt.Errorf("d_embed = %d: only an architecture \"mlp\" model has one", c.DEmbed)
	}
	pos := []struct {
		key string
		v   int
	}{
		{"n_layers", c.NLayers}, {"d_model", c.DModel}, {"n_heads", c.NHeads}, {"d_head", c.DHead},
		{"d_vocab", c.DVocab}, {"d_vocab_out", c.DVocabOut}, {"n_ctx", c.NCtx},
	}
	for _, p := range pos {
		if p.v < 1 {
			return fmt.Errorf("%s = %d, must be >= 1", p.key, p.v)
		}
	}
	if c.AttnOnly {
		if c.DMLP < 0 {
			return fmt.Errorf("d_mlp = %d, must be >= 0", c.DMLP)
		}
	} else {
		if c.DMLP < 1 {
			return fmt.Errorf("d_mlp = %d, must be >= 1 unless attn_only", c.DMLP)
		}
		switch c.ActFn {
		case ActReLU, ActGELU, ActGELUNew:
		default:
			return fmt.Errorf("act_fn = %q, want relu, gelu or gelu_new", c.ActFn)
		}
	}
	switch c.NormalizationType {
	case "", NormLN:
	default:
		return fmt.Errorf("normalization_type = %q, want \"LN\" or null", c.NormalizationType)
	}
	if c.InitRange < 0 || math.IsNaN(c.InitRange) || math.IsInf(c.InitRange, 0) {
		return fmt.Errorf("initializer_range = %v, must be finite and >= 0", c.InitRange)
	}
	return nil
}

// validateMLP checks an architecture "mlp" config: one hidden layer
// (n_layers 1) of d_mlp units on the pair of input tokens (n_ctx 2), no
// attention, LayerNorm or d_model.
func validateMLP(c sdk.ModelConfig) error {
	for _, p := range []struct {
		key string
		v   int
	}{{"d_vocab", c.DVocab}, {"d_vocab_out", c.DVocabOut}, {"d_mlp", c.DMLP}} {
		if p.v < 1 {
			return fmt.Errorf("%s = %d, must be >= 1", p.key, p.v)
		}
	}
	switch {
	case c.NLayers != 1:
		return fmt.Errorf("n_layers = %d: an architecture \"mlp\" model has one hidden layer (n_layers 1)", c.NLayers)
	case c.NCtx != 2:
		return fmt.Errorf("n_ctx = %d: an architecture \"mlp\" model reads the token pair [a, b] (n_ctx 2)", c.NCtx)
	case c.DModel != 0 || c.NHeads != 0 || c.DHead != 0:
		return fmt.Errorf("d_model/n_heads/d_head = %d/%d/%d: an architecture \"mlp\" model has no residual stream or attention; leave them 0", c.DModel, c.NHeads, c.DHead)
	case c.AttnOnly:
		return fmt.Errorf("attn_only is true: an architecture \"mlp\" model has no attention")
	case c.NormalizationType != "":
		return fmt.Errorf("normalization_type = %q: an architecture \"mlp\" model has no LayerNorm", c.NormalizationType)
	}
	switch c.ActFn {
	case ActReLU, ActGELU, ActGELUNew:
	default:
		return fmt.Errorf("act_fn = %q, want relu, gelu or gelu_new", c.ActFn)
	}
	switch c.InputEncoding {
	case EncodingOneHotConcat:
		if c.DEmbed != 0 {
			return fmt.Errorf("d_embed = %d: input_encoding one_hot_concat has no embedding; leave it 0", c.DEmbed)
		}
	case EncodingEmbeddingSum:
		if c.DEmbed < 1 {
			return fmt.Errorf("d_embed = %d, must be >= 1 for input_encoding embedding_sum", c.DEmbed)
		}
	default:
		return fmt.Errorf("input_encoding = %q, want \"one_hot_concat\" or \"embedding_sum\"", c.InputEncoding)
	}
	if c.InitRange < 0 || math.IsNaN(c.InitRange) || math.IsInf(c.InitRange, 0) {
		return fmt.Errorf("initializer_range = %v, must be finite and >= 0", c.InitRange)
	}
	return nil
}

// IsMLP reports whether c is an architecture "mlp" model.
func IsMLP(c sdk.ModelConfig) bool { return c.Architecture == ArchMLP }

// InitStd returns the standard deviation used for every W_* at
// initialization: c.InitRange, or TransformerLens' 0.8/sqrt(d_model) when it
// is 0.
func InitStd(c sdk.ModelConfig) float64 {
	if c.InitRange > 0 {
		return c.InitRange
	}
	return 0.8 / math.Sqrt(float64(c.DModel))
}

// hasMLP reports whether blocks have an MLP (not attn_only).
func hasMLP(c sdk.ModelConfig) bool { return !c.AttnOnly }

// hasLN reports whether the model uses LayerNorm.
func hasLN(c sdk.ModelConfig) bool { return c.NormalizationType == NormLN }

// NormalizeConfig returns a family's model config in the form config.json
// records (d_vocab_out <= 0 means d_vocab, normalization_type "none" means
// none) and validates it.
func NormalizeConfig(c sdk.ModelConfig) (sdk.ModelConfig, error) {
	if c.DVocabOut <= 0 {
		c.DVocabOut = c.DVocab
	}
	if c.NormalizationType == "none" {
		c.NormalizationType = ""
	}
	return c, ValidateConfig(c)
}

// ConfigJSON writes c under TransformerLens keys, as config.json and
// checkpoint metadata hold it: d_mlp, normalization_type and act_fn are null
// when absent, as TransformerLens writes them, and initializer_range is the
// standard deviation in effect (InitStd).
func ConfigJSON(c sdk.ModelConfig) ([]byte, error) {
	m := map[string]any{
		"n_layers": c.NLayers, "d_model": c.DModel, "n_heads": c.NHeads, "d_head": c.DHead,
		"d_vocab": c.DVocab, "d_vocab_out": c.DVocabOut, "n_ctx": c.NCtx,
		"attn_only": c.AttnOnly, "initializer_range": InitStd(c), "seed": c.Seed,
		"d_mlp": nil, "normalization_type": nil, "act_fn": nil,
	}
	if c.DMLP > 0 {
		m["d_mlp"] = c.DMLP
	}
	if c.NormalizationType != "" {
		m["normalization_type"] = c.NormalizationType
	}
	if c.ActFn != "" {
		m["act_fn"] = c.ActFn
	}
	// A transformer's config.json keeps its TransformerLens keys only, so
	// that it reads back in TransformerLens and stays byte-identical.
	if IsMLP(c) {
		m["architecture"], m["input_encoding"], m["d_embed"] = c.Architecture, c.InputEncoding, c.DEmbed
		m["initializer_range"] = c.InitRange
	}
	return json.Marshal(m)
}
