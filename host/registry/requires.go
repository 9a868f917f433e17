package registry

import (
	"fmt"
	"strings"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

// Sites an analyzer may require (analyzer.json "requires") by name; a
// requirement may also be a hook or state-dict weight name. An analyzer
// whose requirement a family's model lacks is not applicable to it: the
// host skips it with MissingSite's reason.
const (
	SiteAttention      = "attention"       // attention heads (hook_pattern, W_Q/W_K/W_V/W_O)
	SiteResidualStream = "residual_stream" // hook_resid_pre/mid/post, hook_attn_out
	SitePositions      = "positions"       // activations with a sequence-position axis
	SiteTokenEmbedding = "token_embedding" // embed.W_E over the vocabulary
	SiteUnembed        = "unembed"         // unembed.W_U
	SiteMLP            = "mlp"             // an MLP layer (blocks.L.mlp.*)
)

// Sites lists the site names, in the order docs/analyzer-json.md gives them.
var Sites = []string{SiteAttention, SiteResidualStream, SitePositions, SiteTokenEmbedding, SiteUnembed, SiteMLP}

// parseRequires reads "requires": site names, or hook or weight names
// (they hold a dot; "blocks.*." stands for every layer).
func parseRequires(p *problems, o *object) []string {
	req, ok := o.strings("requires", false)
	if !ok {
		return nil
	}
	for i, r := range req {
		if strings.Contains(r, ".") {
			continue
		}
		known := false
		for _, s := range Sites {
			known = known || r == s
		}
		if !known {
			p.add(joinIndex("requires", i), "%q is neither a site (%s) nor a hook or weight name", r, strings.Join(Sites, ", "))
		}
	}
	uniqueStrings(p, "requires", req)
	return req
}

// mlpLacks says, per site an MLP has not, what it lacks.
var mlpLacks = map[string]string{
	SiteAttention:      "no attention",
	SiteResidualStream: "no residual stream",
	SitePositions:      "no sequence positions: one input pair per row",
	SiteTokenEmbedding: "no token embedding embed.W_E",
	SiteUnembed:        "no unembedding unembed.W_U: W_out writes the logits",
}

// MissingSite returns why a model of configuration c lacks the required
// site (a site name, or a hook or weight name), or "" when it has it.
func MissingSite(site string, c sdk.ModelConfig) string {
	arch := "transformer"
	if model.IsMLP(c) {
		arch = "mlp, input encoding " + c.InputEncoding
	}
	if lack, ok := mlpLacks[site]; ok {
		if model.IsMLP(c) {
			return fmt.Sprintf("the model (architecture %s) has %s", arch, lack)
		}
		return ""
	}
	switch site {
	case SiteMLP:
		if c.AttnOnly {
			return "the model is attention-only: it has no MLP"
		}
	default:
		for _, h := range model.Hooks(c) {
			for _, name := range ExpandHook(site, c.NLayers) {
				if h.Name == name {
					return ""
				}
			}
		}
		for _, s := range model.ParamSpecs(c) {
			if s.Name == site {
				return ""
			}
		}
		return fmt.Sprintf("the model (architecture %s) has no hook or weight %s", arch, site)
	}
	return ""
}
