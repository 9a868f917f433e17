package registry

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// requiresManifest loads the minimal good analyzer with "requires" set.
func requiresManifest(t *testing.T, req any) (*AnalyzerManifest, error) {
	t.Helper()
	data, err := os.ReadFile("testdata/analyzer/good/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["requires"] = req
	b, _ := json.Marshal(m)
	return LoadAnalyzer(installData(t, t.TempDir(), m["name"].(string), AnalyzerFile, b))
}

func TestRequiresParsed(t *testing.T) {
	m, err := requiresManifest(t, []string{"attention", "blocks.*.mlp.hook_post", "embed.W_E"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"attention", "blocks.*.mlp.hook_post", "embed.W_E"}; !slices.Equal(m.Requires, want) {
		t.Errorf("requires %v, want %v", m.Requires, want)
	}
	for _, tc := range []struct {
		req  any
		want string
	}{
		{[]string{"attn"}, `requires[0]: "attn" is neither a site`},
		{[]string{"mlp", "mlp"}, "requires[1]"},
		{"attention", "requires: want an array of strings"},
	} {
		if _, err := requiresManifest(t, tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("requires %v: error %v, want one containing %q", tc.req, err, tc.want)
		}
	}
}

func TestMissingSite(t *testing.T) {
	tr := sdk.ModelConfig{NLayers: 1, DModel: 8, NHeads: 2, DHead: 4, DMLP: 16, DVocab: 5, DVocabOut: 5, NCtx: 3, ActFn: "relu"}
	attnOnly := tr
	attnOnly.AttnOnly, attnOnly.DMLP = true, 0
	oneHot := sdk.ModelConfig{Architecture: "mlp", InputEncoding: "one_hot_concat", NLayers: 1, DMLP: 16, DVocab: 5, DVocabOut: 5, NCtx: 2, ActFn: "relu"}
	emb := oneHot
	emb.InputEncoding, emb.DEmbed = "embedding_sum", 4
	for _, tc := range []struct {
		c       sdk.ModelConfig
		has     []string
		missing map[string]string
	}{
		{tr, []string{"attention", "residual_stream", "positions", "token_embedding", "unembed", "mlp", "blocks.*.attn.hook_pattern", "embed.W_E"},
			map[string]string{"embed_a.W_E": "has no hook or weight embed_a.W_E"}},
		{attnOnly, []string{"attention"}, map[string]string{"mlp": "attention-only", "blocks.0.mlp.hook_post": "no hook or weight"}},
		{oneHot, []string{"mlp", "blocks.*.mlp.hook_post", "blocks.0.mlp.W_in"}, map[string]string{
			"attention":       "(architecture mlp, input encoding one_hot_concat) has no attention",
			"residual_stream": "no residual stream",
			"positions":       "no sequence positions",
			"token_embedding": "no token embedding embed.W_E",
			"unembed":         "no unembedding unembed.W_U",
			"hook_embed":      "no hook or weight hook_embed",
			"embed_a.W_E":     "no hook or weight embed_a.W_E",
		}},
		{emb, []string{"hook_embed", "embed_a.W_E", "embed_b.W_E"}, map[string]string{"blocks.0.hook_resid_post": "no hook or weight"}},
	} {
		for _, s := range tc.has {
			if why := MissingSite(s, tc.c); why != "" {
				t.Errorf("%+v: %s missing: %s", tc.c, s, why)
			}
		}
		for s, want := range tc.missing {
			if why := MissingSite(s, tc.c); !strings.Contains(why, want) {
				t.Errorf("%+v: %s: %q, want ...%s...", tc.c, s, why, want)
			}
		}
	}
}

// TestArchitectureMLP covers family.json's MLP keys: accepted with
// input_encoding, refused with transformer-only keys or without it, and
// checked against the plugin's config.
func TestArchitectureMLP(t *testing.T) {
	for _, tc := range []struct{ js, want string }{
		{`{"architecture": "mlp", "input_encoding": "embedding_sum", "d_embed": 16, "n_layers": 1, "d_mlp": 512, "n_ctx": 2}`, ""},
		{`{"architecture": "mlp", "d_mlp": 512}`, "architecture.input_encoding: is required"},
		{`{"architecture": "mlp", "input_encoding": "one_hot_concat", "d_model": 128}`, `architecture.d_model: an architecture "mlp" model has no d_model`},
		{`{"architecture": "rnn"}`, `"rnn" is not supported`},
		{`{"architecture": "mlp", "input_encoding": "bag"}`, `"bag" is not supported`},
		{`{"d_embed": 4}`, `input_encoding and d_embed belong to architecture "mlp"`},
	} {
		tree, err := decodeTree([]byte(tc.js))
		if err != nil {
			t.Fatal(err)
		}
		p := &problems{file: "family.json"}
		a := parseArchitecture(p, "architecture", tree)
		err = p.err()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.js, err)
				continue
			}
			good := sdk.ModelConfig{Architecture: "mlp", InputEncoding: "embedding_sum", DEmbed: 16, NLayers: 1, DMLP: 512, NCtx: 2}
			if err := a.Check(good); err != nil {
				t.Errorf("Check of the matching config: %v", err)
			}
			bad := good
			bad.InputEncoding, bad.DEmbed = "one_hot_concat", 0
			if err := a.Check(bad); err == nil || !strings.Contains(err.Error(), "input_encoding is one_hot_concat, family.json says embedding_sum") {
				t.Errorf("Check of another encoding: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.js, err, tc.want)
		}
	}
}
