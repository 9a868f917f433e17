package manifestcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/sdk"
)

// load writes an analyzer.json declaring outputs into a folder "sample" and
// loads it.
func load(t *testing.T, outputs string) *Manifest {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sample")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	js := `{"name": "sample", "version": "1.0.0", "description": "d", "command": "./sample", "kind": "per-checkpoint",
	  "outputs": ` + outputs + `, "parameters": {"k": {"type": "int", "default": 3}, "x": {"type": "float", "default": 0.5}}}`
	if err := os.WriteFile(filepath.Join(dir, "analyzer.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(filepath.Join(dir, "analyzer.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckArrays(t *testing.T) {
	m := load(t, `[{"name": "sv_blocks.*.attn.W_*", "dtype": "float64", "shape": "(n_heads, d_head)", "description": "d"},
	  {"name": "sv_*W_*", "dtype": "float64|float32", "shape": "(k,)", "description": "d"}]`)
	ok := map[string]*sdk.Tensor{"sv_blocks.0.attn.W_Q": sdk.NewTensor(sdk.Float64, 2, 3), "sv_embed.W_E": sdk.NewTensor(sdk.Float32, 4)}
	if err := m.CheckArrays(ok, false); err != nil {
		t.Error(err)
	}
	for name, bad := range map[string]map[string]*sdk.Tensor{
		"not declared": {"pr_embed.W_E": sdk.NewTensor(sdk.Float64, 4)},
		"is int64":     {"sv_embed.W_E": sdk.NewTensor(sdk.Int64, 4)},
		"with 2 axes":  {"sv_blocks.0.attn.W_Q": sdk.NewTensor(sdk.Float64, 4)},
	} {
		if err := m.CheckArrays(bad, false); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v, want one containing %q", err, name)
		}
	}
	if err := m.CheckArrays(ok, true); err == nil || !strings.Contains(err.Error(), "not declared") {
		t.Errorf("summary: error %v, want not declared", err)
	}
}

func TestLoadAndDefaults(t *testing.T) {
	m := load(t, `[{"name": "a", "dtype": "float32", "shape": "()", "description": "d"}]`)
	if d := m.Defaults(); d["k"] != float64(3) || d["x"] != 0.5 {
		t.Errorf("defaults %v, want JSON numbers", d)
	}
	if err := m.CheckInfo(sdk.AnalyzerInfo{Name: "sample", Version: "1.0.0", Kind: sdk.PerCheckpoint}); err != nil {
		t.Error(err)
	}
	if err := m.CheckInfo(sdk.AnalyzerInfo{Name: "sample", Version: "1.1.0", Kind: sdk.PerCheckpoint}); err == nil {
		t.Error("CheckInfo accepted another version")
	}
	dir := filepath.Join(t.TempDir(), "sample")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "analyzer.json"), []byte(`{"name": "sample", "outputs": [{"name": "a", "dtype": "float8"}]}`), 0o644)
	if _, err := Load(filepath.Join(dir, "analyzer.json")); err == nil || !strings.Contains(err.Error(), "float8") {
		t.Errorf("bad manifest: %v", err)
	}
}
