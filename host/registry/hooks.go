package registry

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tdw-workbench/tdw/host/model"
)

// hookRE is every TransformerLens hook point tdw's engine can keep, with a
// layer index or "*" (every layer) after "blocks.".
var hookRE = regexp.MustCompile(`^(hook_embed|hook_pos_embed|ln_final\.hook_(scale|normalized)|` +
	`blocks\.([0-9]+|\*)\.(hook_(resid_pre|attn_out|resid_mid|mlp_out|resid_post)|` +
	`attn\.hook_(q|k|v|attn_scores|pattern|z|result)|mlp\.hook_(pre|post)|ln[12]\.hook_(scale|normalized)))$`)

// ValidHookName reports whether s is a TransformerLens hook name, such as
// "blocks.0.mlp.hook_post", possibly with "*" for the layer index.
func ValidHookName(s string) bool { return hookRE.MatchString(s) }

// ExpandHook returns the concrete hook names a declared hook stands for in a
// model of nLayers layers: the name itself, or one name per layer when its
// layer index is "*".
func ExpandHook(name string, nLayers int) []string {
	if !strings.HasPrefix(name, "blocks.*.") {
		return []string{name}
	}
	rest := strings.TrimPrefix(name, "blocks.*.")
	out := make([]string, nLayers)
	for l := range out {
		out[l] = "blocks." + strconv.Itoa(l) + "." + rest
	}
	return out
}

// parsePositions reads "all", "last" or a non-empty list of distinct
// non-negative integers.
func parsePositions(p *problems, path string, v any) (model.Positions, bool) {
	switch x := v.(type) {
	case string:
		if x == "all" || x == "last" {
			pos, err := model.ParsePositions(x)
			return pos, err == nil
		}
		p.add(path, "want \"all\", \"last\" or a list of integers, found %s", jsonType(v))
		return model.Positions{}, false
	case []any:
		if len(x) == 0 {
			p.add(path, "is an empty list (want \"all\", \"last\" or at least one position)")
			return model.Positions{}, false
		}
		out := model.Positions{Select: model.ListPositions}
		good := true
		seen := map[int]bool{}
		for i, e := range x {
			ip := joinIndex(path, i)
			n, ok := asInt(p, ip, e)
			switch {
			case !ok:
				good = false
			case n < 0:
				p.add(ip, "position %d is negative (use \"last\" for the last position)", n)
				good = false
			case seen[n]:
				p.add(ip, "position %d is listed twice", n)
				good = false
			}
			seen[n] = true
			out.Indices = append(out.Indices, n)
		}
		return out, good
	}
	p.add(path, "want \"all\", \"last\" or a list of integers, found %s", jsonType(v))
	return model.Positions{}, false
}
