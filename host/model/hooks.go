package model

import (
	"fmt"
	"path"
	"strings"

	"github.com/tdw-workbench/tdw/sdk"
)

// hookKind says how a hook's buffer is laid out per sequence.
type hookKind int

const (
	kindResid    hookKind = iota // [n, d_model]
	kindHeads                    // [n, h, d_head]
	kindAttn                     // [h, n, n]
	kindScale                    // [n, 1]
	kindMLP                      // [n, d_mlp]
	kindLogits                   // [n, d_vocab_out]
	kindEmbedSum                 // an MLP's summed embedding: [d_embed]
)

// HookInfo names one TransformerLens hook point of a model.
type HookInfo struct {
	Name  string
	Layer int // -1 for hooks outside the blocks
	kind  hookKind
}

// Hooks returns every hook point of a model with configuration c, in the
// order TransformerLens runs them.
func Hooks(c sdk.ModelConfig) []HookInfo {
	if IsMLP(c) {
		return mlpHooks(c)
	}
	hs := []HookInfo{{"hook_embed", -1, kindResid}, {"hook_pos_embed", -1, kindResid}}
	for l := 0; l < c.NLayers; l++ {
		p := fmt.Sprintf("blocks.%d.", l)
		add := func(name string, k hookKind) { hs = append(hs, HookInfo{p + name, l, k}) }
		add("hook_resid_pre", kindResid)
		if hasLN(c) {
			add("ln1.hook_scale", kindScale)
			add("ln1.hook_normalized", kindResid)
		}
		add("attn.hook_q", kindHeads)
		add("attn.hook_k", kindHeads)
		add("attn.hook_v", kindHeads)
		add("attn.hook_attn_scores", kindAttn)
		add("attn.hook_pattern", kindAttn)
		add("attn.hook_z", kindHeads)
		add("hook_attn_out", kindResid)
		if hasMLP(c) {
			add("hook_resid_mid", kindResid)
			if hasLN(c) {
				add("ln2.hook_scale", kindScale)
				add("ln2.hook_normalized", kindResid)
			}
			add("mlp.hook_pre", kindMLP)
			add("mlp.hook_post", kindMLP)
			add("hook_mlp_out", kindResid)
		}
		add("hook_resid_post", kindResid)
	}
	if hasLN(c) {
		hs = append(hs, HookInfo{"ln_final.hook_scale", -1, kindScale}, HookInfo{"ln_final.hook_normalized", -1, kindResid})
	}
	return hs
}

// HookRequest asks for the hooks whose names match Pattern (path.Match
// syntax; "*" also matches dots, so "blocks.*.mlp.hook_post" and "*" work)
// at the given positions.
type HookRequest struct {
	Pattern   string
	Positions Positions
}

// ParseHookRequests turns a comma-separated glob list into requests at one
// position selection. An empty list asks for every hook.
func ParseHookRequests(globs string, pos Positions) []HookRequest {
	if strings.TrimSpace(globs) == "" {
		return []HookRequest{{"*", pos}}
	}
	var rs []HookRequest
	for _, g := range strings.Split(globs, ",") {
		rs = append(rs, HookRequest{strings.TrimSpace(g), pos})
	}
	return rs
}

// resolveHooks maps each requested hook to its positions. A hook matched by
// several requests is kept at every position if any request says so. A
// malformed pattern, or one that matches no hook of the model, is an error
// naming it.
func resolveHooks(c sdk.ModelConfig, reqs []HookRequest) (map[string]Positions, error) {
	out := map[string]Positions{}
	all := Hooks(c)
	for _, r := range reqs {
		if err := r.Positions.kept(fmt.Sprintf("hook pattern %q", r.Pattern)); err != nil {
			return nil, err
		}
		n := 0
		for _, h := range all {
			ok, err := path.Match(r.Pattern, h.Name)
			if err != nil {
				return nil, fmt.Errorf("hook pattern %q: %w", r.Pattern, err)
			}
			if !ok {
				continue
			}
			n++
			if p, seen := out[h.Name]; !seen || p.Select == LastPosition {
				out[h.Name] = r.Positions
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("hook pattern %q matches no hook of this model", r.Pattern)
		}
	}
	return out, nil
}

// hookShape returns the shape of a kept hook for B sequences of n positions.
func hookShape(c sdk.ModelConfig, k hookKind, B, n int, pos Positions) []int {
	if IsMLP(c) {
		return mlpHookShape(c, k, B)
	}
	var per []int
	switch k {
	case kindResid:
		per = []int{n, c.DModel}
	case kindHeads:
		per = []int{n, c.NHeads, c.DHead}
	case kindAttn:
		if pos.Select == LastPosition {
			return []int{B, c.NHeads, n}
		}
		return []int{B, c.NHeads, n, n}
	case kindScale:
		per = []int{n, 1}
	case kindMLP:
		per = []int{n, c.DMLP}
	case kindLogits:
		per = []int{n, c.DVocabOut}
	}
	if pos.Select == LastPosition {
		per = per[1:]
	}
	return append([]int{B}, per...)
}
