package registry

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// Architecture is a family.json's architecture: the TransformerLens
// HookedTransformerConfig keys the family fixes whatever its parameters.
type Architecture struct {
	// Config holds the values; only the keys in Set are meaningful.
	Config sdk.ModelConfig
	// Set lists the keys family.json gives, sorted.
	Set []string
}

// pluginFilled are config keys that depend on domain parameters, so that the
// family plugin, not family.json, provides them.
var pluginFilled = map[string]bool{"d_vocab": true, "d_vocab_out": true, "seed": true}

func parseArchitecture(p *problems, path string, v any) Architecture {
	var a Architecture
	o := asObject(p, path, v)
	if o == nil {
		return a
	}
	c := &a.Config
	positive := func(key string, dst *int) {
		if !o.has(key) {
			o.field(key, false)
			return
		}
		n, ok := o.integer(key, false)
		if ok && n <= 0 {
			p.add(joinKey(path, key), "is %d, want a positive integer", n)
			return
		}
		if ok {
			*dst = n
			a.Set = append(a.Set, key)
		}
	}
	positive("n_layers", &c.NLayers)
	positive("d_model", &c.DModel)
	positive("n_heads", &c.NHeads)
	positive("d_head", &c.DHead)
	positive("d_mlp", &c.DMLP)
	positive("n_ctx", &c.NCtx)
	positive("d_embed", &c.DEmbed)
	// oneOf takes a string the engine knows one of two values of.
	oneOf := func(key string, dst *string, x, y string) {
		s, ok := o.str(key, false)
		switch {
		case !ok:
		case s != x && s != y:
			p.add(joinKey(path, key), "%q is not supported (want %q or %q)", s, x, y)
		default:
			*dst = s
			a.Set = append(a.Set, key)
		}
	}
	oneOf("architecture", &c.Architecture, "transformer", "mlp")
	oneOf("input_encoding", &c.InputEncoding, "one_hot_concat", "embedding_sum")
	oneOf("act_fn", &c.ActFn, "relu", "gelu")
	if raw, np, ok := o.field("normalization_type", false); ok {
		switch raw {
		case nil, "":
			c.NormalizationType = ""
			a.Set = append(a.Set, "normalization_type")
		case "LN":
			c.NormalizationType = "LN"
			a.Set = append(a.Set, "normalization_type")
		default:
			p.add(np, "want null (no normalization) or \"LN\", found %s", jsonType(raw))
		}
	}
	if b, ok := o.boolean("attn_only", false); ok {
		c.AttnOnly = b
		a.Set = append(a.Set, "attn_only")
	}
	if f, ok := o.number("initializer_range", false); ok {
		if f <= 0 {
			p.add(joinKey(path, "initializer_range"), "is %v, want a positive number", f)
		} else {
			c.InitRange = f
			a.Set = append(a.Set, "initializer_range")
		}
	}
	for k := range o.m {
		if pluginFilled[k] {
			o.used[k] = true
			p.add(joinKey(path, k), "is filled by the family plugin from the domain parameters; leave it out")
		}
	}
	o.finish()
	if c.NHeads > 0 && c.DHead > 0 && c.DModel > 0 && c.NHeads*c.DHead != c.DModel {
		p.add(joinKey(path, "d_head"), "n_heads*d_head = %d does not equal d_model = %d", c.NHeads*c.DHead, c.DModel)
	}
	if c.Architecture == "mlp" {
		for _, k := range []string{"d_model", "n_heads", "d_head", "attn_only", "normalization_type"} {
			if o.has(k) {
				p.add(joinKey(path, k), "an architecture \"mlp\" model has no %s; leave it out", k)
			}
		}
		if !o.has("input_encoding") {
			p.add(joinKey(path, "input_encoding"), "is required for architecture \"mlp\" (\"one_hot_concat\" or \"embedding_sum\")")
		}
	} else if o.has("input_encoding") || o.has("d_embed") {
		p.add(path, "input_encoding and d_embed belong to architecture \"mlp\"")
	}
	if c.AttnOnly && o.has("d_mlp") {
		p.add(joinKey(path, "d_mlp"), "an attention-only model has no MLP")
	}
	sort.Strings(a.Set)
	return a
}

// Check returns an error naming every key family.json sets that cfg (the
// model configuration the family plugin produced) contradicts.
func (a Architecture) Check(cfg sdk.ModelConfig) error {
	var diffs []string
	for _, k := range a.Set {
		want, got := archValue(a.Config, k), archValue(cfg, k)
		if want != got {
			diffs = append(diffs, fmt.Sprintf("%s is %v, family.json says %v", k, got, want))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("model config disagrees with family.json architecture: %s", strings.Join(diffs, "; "))
	}
	return nil
}

func archValue(c sdk.ModelConfig, key string) any {
	switch key {
	case "n_layers":
		return c.NLayers
	case "d_model":
		return c.DModel
	case "n_heads":
		return c.NHeads
	case "d_head":
		return c.DHead
	case "d_mlp":
		return c.DMLP
	case "n_ctx":
		return c.NCtx
	case "act_fn":
		return c.ActFn
	case "normalization_type":
		return c.NormalizationType
	case "attn_only":
		return c.AttnOnly
	case "initializer_range":
		return c.InitRange
	case "architecture":
		if c.Architecture == "" {
			return "transformer"
		}
		return c.Architecture
	case "input_encoding":
		return c.InputEncoding
	case "d_embed":
		return c.DEmbed
	}
	return nil
}
