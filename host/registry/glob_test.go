package registry

import (
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	names := []string{"embed.W_E", "pos_embed.W_pos", "blocks.0.attn.W_Q", "blocks.0.attn.b_Q", "blocks.1.mlp.b_in",
		"blocks.0.mlp.W_in", "unembed.W_U", "unembed.b_U", "blocks.10.attn.W_O"}
	cases := []struct {
		pattern string
		want    []string
	}{
		{"*.b_*", []string{"blocks.0.attn.b_Q", "blocks.1.mlp.b_in", "unembed.b_U"}},
		{"**b_*", []string{"blocks.0.attn.b_Q", "blocks.1.mlp.b_in", "unembed.b_U"}},
		{"**.b_*", []string{"blocks.0.attn.b_Q", "blocks.1.mlp.b_in", "unembed.b_U"}},
		{"blocks.*.attn.W_?", []string{"blocks.0.attn.W_Q", "blocks.10.attn.W_O"}},
		{"blocks.?.attn.W_?", []string{"blocks.0.attn.W_Q"}},
		{"blocks.*.attn.W_[QKV]", []string{"blocks.0.attn.W_Q"}},
		{"blocks.*.*.[^W]_*", []string{"blocks.0.attn.b_Q", "blocks.1.mlp.b_in"}},
		{"embed.W_E", []string{"embed.W_E"}},
		{"*embed.W_*", []string{"embed.W_E", "pos_embed.W_pos", "unembed.W_U"}},
		{"**", names},
		{"*", names},
		{"unembed.*", []string{"unembed.W_U", "unembed.b_U"}},
	}
	for _, c := range cases {
		g, err := CompileGlob(c.pattern)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		var got []string
		for _, n := range names {
			if g.Match(n) {
				got = append(got, n)
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%q matches %v, want %v", c.pattern, got, c.want)
		}
		if g.String() != c.pattern {
			t.Errorf("String = %q", g.String())
		}
	}
	for _, bad := range []string{"", "b_[QKV", "W_E/", `x\`, "[]"} {
		if _, err := CompileGlob(bad); err == nil {
			t.Errorf("CompileGlob(%q) succeeded", bad)
		}
	}
	if ok, err := MatchAny([]string{"embed.*", "**b_*"}, "blocks.0.mlp.b_out"); !ok || err != nil {
		t.Errorf("MatchAny = %v, %v", ok, err)
	}
	if _, err := MatchAny([]string{"[x"}, "x"); err == nil {
		t.Error("MatchAny accepted a bad pattern")
	}
}

func TestHookNames(t *testing.T) {
	good := []string{"hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre", "blocks.*.mlp.hook_post",
		"blocks.12.attn.hook_pattern", "blocks.0.attn.hook_attn_scores", "blocks.0.ln1.hook_scale", "ln_final.hook_normalized",
		"blocks.0.hook_resid_mid", "blocks.0.attn.hook_z"}
	bad := []string{"", "logits", "blocks.0.mlp.hook_postt", "blocks.x.mlp.hook_post", "blocks..mlp.hook_post",
		"blocks.0.mlp", "hook_embed.x", "blocks.0.attn.hook_q.", "blocks.**.hook_resid_pre", "blocks.0.ln3.hook_scale"}
	for _, s := range good {
		if !ValidHookName(s) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range bad {
		if ValidHookName(s) {
			t.Errorf("%q accepted", s)
		}
	}
	if got := ExpandHook("blocks.*.mlp.hook_post", 2); strings.Join(got, " ") != "blocks.0.mlp.hook_post blocks.1.mlp.hook_post" {
		t.Errorf("ExpandHook = %v", got)
	}
	if got := ExpandHook("hook_embed", 3); len(got) != 1 || got[0] != "hook_embed" {
		t.Errorf("ExpandHook = %v", got)
	}
}
