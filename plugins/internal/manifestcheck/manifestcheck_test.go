package manifestcheck

import (
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

func TestGlobAndRank(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"sv_**.W_*", "sv_blocks.0.attn.W_Q", true},
		{"blocks.*.attn.W_Q", "blocks.12.attn.W_Q", true},
		{"blocks.*.attn.W_Q", "blocks.1.2.attn.W_Q", false},
		{"*__velocity", "all__velocity", true},
		{"*__velocity", "a.b__velocity", false},
		{"blocks.*.ln?.?", "blocks.0.ln1.w", true},
		{"embed.W_E", "embedxW_E", false},
	} {
		if got := glob(tc.pattern).MatchString(tc.name); got != tc.want {
			t.Errorf("glob %q on %q = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
	for shape, want := range map[string]int{"()": 0, "(k,)": 1, "(n_epochs-1,)": 1, "(n_epochs, k)": 2, "(n_layers*n_heads, n_ctx, n_ctx, p, p)": 5} {
		if got := rank(shape); got != want {
			t.Errorf("rank(%q) = %d, want %d", shape, got, want)
		}
	}
}

func TestCheckArrays(t *testing.T) {
	m := &Manifest{Outputs: []Spec{{"sv_blocks.*.attn.W_*", "float64", "(n_heads, d_head)"}, {"sv_**.W_*", "float64", "(k,)"}}}
	ok := map[string]*sdk.Tensor{"sv_blocks.0.attn.W_Q": sdk.NewTensor(sdk.Float64, 2, 3), "sv_embed.W_E": sdk.NewTensor(sdk.Float64, 4)}
	if err := m.CheckArrays(ok, false); err != nil {
		t.Error(err)
	}
	for name, bad := range map[string]map[string]*sdk.Tensor{
		"not declared": {"pr_embed.W_E": sdk.NewTensor(sdk.Float64, 4)},
		"is float32":   {"sv_embed.W_E": sdk.NewTensor(sdk.Float32, 4)},
		"with 2 axes":  {"sv_blocks.0.attn.W_Q": sdk.NewTensor(sdk.Float64, 4)},
	} {
		if err := m.CheckArrays(bad, false); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v, want one containing %q", err, name)
		}
	}
}
