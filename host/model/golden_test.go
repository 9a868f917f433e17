package model_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tdw-workbench/tdw/host/artifact"
	"github.com/tdw-workbench/tdw/host/checkpoint"
	"github.com/tdw-workbench/tdw/host/model"
	"github.com/tdw-workbench/tdw/sdk"
)

// goldenTol is the required agreement with the independent TransformerLens-
// semantics reference: |got - want| ≤ goldenTol · max(|want|, rms(want)).
const goldenTol = 1e-5

// TestGolden runs every fixture of testdata/golden (weights, tokens and
// expected activations computed by make_golden.py, independently of this
// code) and compares logits and every hook, at every position and at the last
// position only, and with a mixed request (last position plus hook_pattern at
// every position, the calibration workload), on every backend.
func TestGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/golden/*/expected.npz")
	if len(dirs) < 4 {
		t.Fatalf("found %d golden fixtures, want at least 4", len(dirs))
	}
	for _, be := range []model.Backend{model.CPU(), model.Gorgonia()} {
		for _, f := range dirs {
			dir := filepath.Dir(f)
			t.Run(be.Name()+"/"+filepath.Base(dir), func(t *testing.T) { goldenFixture(t, be, dir, f) })
		}
	}
}

// goldenFixture runs one fixture directory on backend be.
func goldenFixture(t *testing.T, be model.Backend, dir, f string) {
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := checkpoint.ReadFloat32(filepath.Join(dir, "weights.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.FromStateDict(cfg, w.Tensors)
	if err != nil {
		t.Fatal(err)
	}
	m.Backend = be
	tok, err := artifact.ReadNPY(filepath.Join(dir, "tokens.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := artifact.ReadNPZ(f)
	if err != nil {
		t.Fatal(err)
	}
	hooks := model.Hooks(cfg)
	if len(want) != len(hooks)+1 {
		t.Errorf("fixture has %d arrays, engine has %d hooks + logits", len(want), len(hooks))
	}
	for _, bs := range []int{0, 4} { // one chunk, and chunks with a remainder
		all, err := m.Forward(tok, model.ForwardOptions{Hooks: []model.HookRequest{{Pattern: "*"}}, BatchSize: bs})
		if err != nil {
			t.Fatal(err)
		}
		compare(t, "logits", all.Logits, want["logits"], false)
		for _, h := range hooks {
			compare(t, h.Name, all.Hooks[h.Name], want[h.Name], false)
		}
	}
	last, err := m.Forward(tok, model.ForwardOptions{Hooks: []model.HookRequest{{Pattern: "*", Positions: model.PosLast}}, Logits: model.PosLast})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "logits", last.Logits, want["logits"], true)
	for _, h := range hooks {
		compare(t, h.Name, last.Hooks[h.Name], want[h.Name], true)
	}
	mixed, err := m.Forward(tok, model.ForwardOptions{Logits: model.PosLast, Hooks: []model.HookRequest{
		{Pattern: "*", Positions: model.PosLast}, {Pattern: "blocks.*.attn.hook_pattern"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hooks {
		compare(t, h.Name, mixed.Hooks[h.Name], want[h.Name], !strings.HasSuffix(h.Name, "hook_pattern"))
	}
	only, err := m.Forward(tok, model.ForwardOptions{Hooks: []model.HookRequest{{Pattern: "blocks.*.mlp.hook_post"}}})
	if err != nil {
		if cfg.AttnOnly && strings.Contains(err.Error(), "matches no hook") {
			return
		}
		t.Fatal(err)
	}
	if len(only.Hooks) != cfg.NLayers {
		t.Errorf("glob kept %d hooks, want %d", len(only.Hooks), cfg.NLayers)
	}
}

// compare checks got against the float64 reference want, or against its last
// position (axis 1 removed; for [B,h,nq,nk] the last query row) when last.
func compare(t *testing.T, name string, got, want *sdk.Tensor, last bool) {
	t.Helper()
	if want == nil {
		t.Errorf("%s: missing from the fixture", name)
		return
	}
	if got == nil {
		t.Errorf("%s: not in the cache", name)
		return
	}
	w := want.AsFloat64()
	shape := want.Shape()
	if last {
		w, shape = lastPosition(w, shape, strings.Contains(name, "attn_scores") || strings.Contains(name, "hook_pattern"))
	}
	if !slices.Equal(got.Shape(), shape) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape(), shape)
		return
	}
	g := got.AsFloat64()
	var ss float64
	n := 0
	for _, v := range w {
		if !math.IsInf(v, 0) {
			ss += v * v
			n++
		}
	}
	rms := math.Sqrt(ss / float64(max(n, 1)))
	for i := range w {
		if math.IsInf(w[i], 0) || math.IsInf(g[i], 0) {
			if g[i] != w[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, g[i], w[i])
				return
			}
			continue
		}
		if math.Abs(g[i]-w[i]) > goldenTol*math.Max(math.Abs(w[i]), rms) {
			t.Errorf("%s[%d] = %.9g, want %.9g (last=%v)", name, i, g[i], w[i], last)
			return
		}
	}
}

// lastPosition selects the last position of a [B, n, ...] array, or the last
// query row of a [B, h, nq, nk] attention array.
func lastPosition(x []float64, shape []int, attn bool) ([]float64, []int) {
	if attn {
		B, h, nq, nk := shape[0], shape[1], shape[2], shape[3]
		out := make([]float64, 0, B*h*nk)
		for i := 0; i < B*h; i++ {
			out = append(out, x[(i*nq+nq-1)*nk:(i*nq+nq)*nk]...)
		}
		return out, []int{B, h, nk}
	}
	B, n := shape[0], shape[1]
	inner := sdk.NumElements(shape[2:])
	out := make([]float64, 0, B*inner)
	for b := 0; b < B; b++ {
		out = append(out, x[(b*n+n-1)*inner:(b*n+n)*inner]...)
	}
	return out, append([]int{B}, shape[2:]...)
}

// TestGoldenFixturesListed guards against a fixture folder without the files
// the golden test reads.
func TestGoldenFixturesListed(t *testing.T) {
	ents, err := os.ReadDir("testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		for _, f := range []string{"config.json", "weights.safetensors", "tokens.npy", "expected.npz"} {
			if _, err := os.Stat(filepath.Join("testdata/golden", d, f)); err != nil {
				t.Errorf("fixture %s: %v", d, err)
			}
		}
	}
}
