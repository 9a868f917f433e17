package analysis

import (
	"errors"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/host/registry"
	"github.com/tdw-workbench/tdw/sdk"
)

// TestResolveNeedsOnMLP: an analyzer whose required site, hook, weight or
// position axis an MLP lacks is not applicable, with a reason; one that
// reads the MLP's hidden layer at the last position resolves.
func TestResolveNeedsOnMLP(t *testing.T) {
	mlp := sdk.ModelConfig{Architecture: model.ArchMLP, InputEncoding: model.EncodingOneHotConcat, NLayers: 1, DMLP: 8, DVocab: 5, DVocabOut: 5, NCtx: 2, ActFn: "relu"}
	var weights []string
	for _, s := range model.ParamSpecs(mlp) {
		weights = append(weights, s.Name)
	}
	post := registry.HookInput{Name: "blocks.*.mlp.hook_post", Positions: model.PosLast}
	for _, tc := range []struct {
		name string
		m    registry.AnalyzerManifest
		want string // "" resolves
	}{
		{"neurons", registry.AnalyzerManifest{Name: "a", Requires: []string{"mlp"}, Inputs: registry.Inputs{Hooks: []registry.HookInput{post}}}, ""},
		{"requires", registry.AnalyzerManifest{Name: "a", Requires: []string{"mlp", "attention"}}, "requires attention: the model (architecture mlp, input encoding one_hot_concat) has no attention"},
		{"hook", registry.AnalyzerManifest{Name: "a", Inputs: registry.Inputs{Hooks: []registry.HookInput{{Name: "blocks.*.attn.hook_pattern", Positions: model.PosLast}}}}, "declares hook blocks.0.attn.hook_pattern, which this model (architecture mlp"},
		{"positions", registry.AnalyzerManifest{Name: "a", Inputs: registry.Inputs{Hooks: []registry.HookInput{{Name: post.Name, Positions: model.PosAll}}}}, "has no sequence positions"},
		{"weight", registry.AnalyzerManifest{Name: "a", Inputs: registry.Inputs{Weights: []string{"embed.W_E"}}}, "declares weight embed.W_E, which this model (architecture mlp) does not have"},
	} {
		n, err := resolveNeeds(&tc.m, mlp, weights, nil)
		var na *notApplicable
		switch {
		case tc.want == "" && (err != nil || len(n.hooks) != 1 || n.hooks[0].name != "blocks.0.mlp.hook_post"):
			t.Errorf("%s: %+v, %v", tc.name, n, err)
		case tc.want != "" && (!errors.As(err, &na) || !strings.Contains(na.reason, tc.want)):
			t.Errorf("%s: %v, want not applicable: ...%s...", tc.name, err, tc.want)
		}
	}
}
