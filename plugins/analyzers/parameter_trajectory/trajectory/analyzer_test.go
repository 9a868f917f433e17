package trajectory

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/tdw-workbench/tdw/sdk"
)

// shapes of a small 1-layer model, biases included.
var shapes = map[string][]int{
	"embed.W_E": {7, 4}, "pos_embed.W_pos": {3, 4}, "unembed.W_U": {4, 5},
	"blocks.0.attn.W_Q": {2, 4, 2}, "blocks.0.attn.W_O": {2, 2, 4}, "blocks.0.attn.b_O": {4},
	"blocks.0.mlp.W_in": {4, 8}, "blocks.0.mlp.W_out": {8, 4},
}

// stack builds parameter_snapshot stacked over epochs, with every weight at
// epoch index e equal to base + f(name, e, j) for flat index j.
func stack(rng *rand.Rand, epochs []int, f func(name string, e, j int) float64) *sdk.Stacked {
	s := &sdk.Stacked{Epochs: epochs, Arrays: map[string]*sdk.Tensor{}}
	names := make([]string, 0, len(shapes))
	for name := range shapes {
		names = append(names, name)
	}
	sort.Strings(names) // seeded draws land on the same weights every run
	for _, name := range names {
		sh := shapes[name]
		d := sdk.NumElements(sh)
		base := make([]float64, d)
		for j := range base {
			base[j] = float64(rng.IntN(9) - 4) // small integers: exact in float32
		}
		data := make([]float32, len(epochs)*d)
		for e := range epochs {
			for j := 0; j < d; j++ {
				data[e*d+j] = float32(base[j] + f(name, e, j))
			}
		}
		s.Arrays[name] = sdk.FromFloat32(data, append([]int{len(epochs)}, sh...)...)
	}
	return s
}

func across(t *testing.T, settings sdk.Params, s *sdk.Stacked) map[string]*sdk.Tensor {
	t.Helper()
	out, err := New().AnalyzeAcross(context.Background(), &sdk.Run{Settings: settings}, map[string]*sdk.Stacked{Input: s})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKnownTrajectory moves each group along known directions:
//   - embedding: along one line, θ = θ0 + t_e·u (one unit coordinate per
//     weight, u has norm √3) → PC1 explains everything, scores are the
//     centered t_e·√3, velocity is √3·|Δt|/Δepoch;
//   - attention: still → zero variance and velocity;
//   - mlp: a_e along W_in[0,0] and b_e along W_out[7,3], a ⟂ b and both
//     centered → variances var(a), var(b) with divisor n-1.
func TestKnownTrajectory(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	epochs := []int{0, 100, 150, 400}
	ts := []float64{0, 1, 3, 8}
	a := []float64{2, -2, 2, -2}
	b := []float64{1, 1, -1, -1}
	s := stack(rng, epochs, func(name string, e, j int) float64 {
		switch {
		case InGroup("embedding", name) && j == 0:
			return ts[e]
		case name == "blocks.0.mlp.W_in" && j == 0:
			return a[e]
		case name == "blocks.0.mlp.W_out" && j == 31:
			return b[e]
		}
		return 0
	})
	out := across(t, nil, s)
	if got := out["epochs"].Int64s(); len(got) != 4 || got[3] != 400 {
		t.Fatalf("epochs %v", got)
	}
	// k = min(10, 4 epochs).
	for _, g := range Groups {
		if sh := out[g+"__projections"].ShapeString(); sh != "(4, 4)" {
			t.Errorf("%s projections %s, want (4, 4)", g, sh)
		}
		if sh := out[g+"__velocity"].ShapeString(); sh != "(3,)" {
			t.Errorf("%s velocity %s, want (3,)", g, sh)
		}
	}

	emb := out["embedding__explained_variance_ratio"].Float64s()
	if !scalar.EqualWithinAbsOrRel(emb[0], 1, 1e-12, 1e-12) || math.Abs(emb[1]) > 1e-12 {
		t.Errorf("embedding ratios %v, want [1 0 ...]", emb)
	}
	proj := out["embedding__projections"].Float64s()
	var mean float64
	for _, v := range ts {
		mean += v / 4
	}
	sign := math.Copysign(1, proj[0]*(ts[0]-mean))
	for e := range ts {
		if want := sign * math.Sqrt(3) * (ts[e] - mean); !scalar.EqualWithinAbsOrRel(proj[e*4], want, 1e-9, 1e-9) {
			t.Errorf("embedding projection %d = %v, want %v", e, proj[e*4], want)
		}
	}
	vel := out["embedding__velocity"].Float64s()
	for i := range vel {
		want := math.Sqrt(3) * (ts[i+1] - ts[i]) / float64(epochs[i+1]-epochs[i])
		if !scalar.EqualWithinAbsOrRel(vel[i], want, 1e-12, 1e-12) {
			t.Errorf("embedding velocity %d = %v, want %v", i, vel[i], want)
		}
	}

	for _, name := range []string{"attention__explained_variance", "attention__explained_variance_ratio", "attention__velocity", "attention__projections"} {
		for _, v := range out[name].Float64s() {
			if v != 0 {
				t.Fatalf("%s has %v for still weights", name, v)
			}
		}
	}

	mv := out["mlp__explained_variance"].Float64s()
	if !scalar.EqualWithinAbsOrRel(mv[0], 16.0/3, 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(mv[1], 4.0/3, 1e-12, 1e-12) || math.Abs(mv[2]) > 1e-12 {
		t.Errorf("mlp variances %v, want [16/3 4/3 0 ...]", mv)
	}
	mr := out["mlp__explained_variance_ratio"].Float64s()
	if !scalar.EqualWithinAbsOrRel(mr[0], 0.8, 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(mr[1], 0.2, 1e-12, 1e-12) {
		t.Errorf("mlp ratios %v, want [0.8 0.2 ...]", mr)
	}
	// all = the three groups' independent motions together.
	av := out["all__explained_variance"].Float64s()
	var tv float64
	for _, v := range av {
		tv += v
	}
	var tvar float64 // 3·var(t), ddof 1
	for _, v := range ts {
		tvar += 3 * (v - mean) * (v - mean) / 3
	}
	if !scalar.EqualWithinAbsOrRel(tv, tvar+16.0/3+4.0/3, 1e-9, 1e-9) {
		t.Errorf("all total variance %v, want %v", tv, tvar+16.0/3+4.0/3)
	}
	allVel := out["all__velocity"].Float64s()
	for i := range allVel {
		dt := ts[i+1] - ts[i]
		da, db := a[i+1]-a[i], b[i+1]-b[i]
		want := math.Sqrt(3*dt*dt+da*da+db*db) / float64(epochs[i+1]-epochs[i])
		if !scalar.EqualWithinAbsOrRel(allVel[i], want, 1e-12, 1e-12) {
			t.Errorf("all velocity %d = %v, want %v", i, allVel[i], want)
		}
	}
}

func TestComponentsAndMissingGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(63, 64))
	epochs := make([]int, 15)
	for i := range epochs {
		epochs[i] = 10 * i
	}
	s := stack(rng, epochs, func(string, int, int) float64 { return rng.NormFloat64() })
	delete(s.Arrays, "blocks.0.mlp.W_in")
	delete(s.Arrays, "blocks.0.mlp.W_out") // an attention-only model
	out := across(t, sdk.Params{"n_components": int64(3)}, s)
	if _, ok := out["mlp__projections"]; ok {
		t.Error("mlp arrays written for a model without MLP weights")
	}
	if sh := out["all__projections"].ShapeString(); sh != "(15, 3)" {
		t.Errorf("projections %s, want (15, 3)", sh)
	}
	out = across(t, nil, s)
	if sh := out["attention__projections"].ShapeString(); sh != "(15, 10)" {
		t.Errorf("default projections %s, want (15, 10)", sh)
	}
	// One epoch: no velocity, zero variance, no NaN.
	one := stack(rng, []int{5}, func(string, int, int) float64 { return 0 })
	out = across(t, nil, one)
	if out["all__velocity"].Len() != 0 || out["all__projections"].ShapeString() != "(1, 1)" {
		t.Errorf("one epoch: velocity %s projections %s", out["all__velocity"].ShapeString(), out["all__projections"].ShapeString())
	}
}

func TestErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 66))
	good := func() *sdk.Stacked { return stack(rng, []int{0, 1, 2}, func(string, int, int) float64 { return 0 }) }
	for _, tc := range []struct {
		name     string
		settings sdk.Params
		inputs   func() map[string]*sdk.Stacked
		want     string
	}{
		{"missing input", nil, func() map[string]*sdk.Stacked { return nil }, "input artifact parameter_snapshot missing"},
		{"bad components", sdk.Params{"n_components": int64(0)}, func() map[string]*sdk.Stacked { return map[string]*sdk.Stacked{Input: good()} }, `"n_components"`},
		{"epochs out of order", nil, func() map[string]*sdk.Stacked {
			s := good()
			s.Epochs = []int{0, 2, 2}
			return map[string]*sdk.Stacked{Input: s}
		}, "not strictly ascending"},
		{"short array", nil, func() map[string]*sdk.Stacked {
			s := good()
			s.Arrays["embed.W_E"] = sdk.NewTensor(sdk.Float32, 2, 7, 4)
			return map[string]*sdk.Stacked{Input: s}
		}, "embed.W_E has shape (2, 7, 4)"},
		{"int array", nil, func() map[string]*sdk.Stacked {
			s := good()
			s.Arrays["unembed.W_U"] = sdk.FromInt64([]int64{1, 2, 3}, 3)
			return map[string]*sdk.Stacked{Input: s}
		}, "unembed.W_U: dtype int64"},
		{"NaN", nil, func() map[string]*sdk.Stacked {
			s := good()
			s.Arrays["pos_embed.W_pos"].Float32s()[13] = float32(math.NaN())
			return map[string]*sdk.Stacked{Input: s}
		}, "pos_embed.W_pos: holds NaN at epoch index 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New().AnalyzeAcross(context.Background(), &sdk.Run{Settings: tc.settings}, tc.inputs())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaultsMatchAnalyzerJSON(t *testing.T) {
	raw, err := os.ReadFile("../../../../analyzers/parameter_trajectory/analyzer.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name, Version, Kind string
		Parameters          map[string]struct{ Default any }
		Inputs              struct{ Artifacts []string }
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != Name || doc.Version != Version || doc.Kind != string(sdk.CrossEpoch) {
		t.Errorf("analyzer.json says %s %s %s", doc.Name, doc.Version, doc.Kind)
	}
	if len(doc.Inputs.Artifacts) != 1 || doc.Inputs.Artifacts[0] != Input {
		t.Errorf("analyzer.json artifacts %v, want [%s]", doc.Inputs.Artifacts, Input)
	}
	k, err := Components(sdk.Params{"n_components": doc.Parameters["n_components"].Default})
	if err != nil || k != DefaultComponents {
		t.Errorf("analyzer.json n_components default gives %d, %v; code %d", k, err, DefaultComponents)
	}
}

// BenchmarkAnalyzeAcross runs the calibration model's weight shapes (p=113:
// about 225k parameters) over a grid of checkpoint counts; 95 is the
// reference schedule.
func BenchmarkAnalyzeAcross(b *testing.B) {
	const p = 113
	sizes := map[string][]int{
		"embed.W_E": {p + 1, 128}, "pos_embed.W_pos": {3, 128},
		"blocks.0.attn.W_Q": {4, 128, 32}, "blocks.0.attn.W_K": {4, 128, 32},
		"blocks.0.attn.W_V": {4, 128, 32}, "blocks.0.attn.W_O": {4, 32, 128},
		"blocks.0.mlp.W_in": {128, 512}, "blocks.0.mlp.W_out": {512, 128},
		"unembed.W_U": {128, p},
	}
	for _, n := range []int{10, 40, 95} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		s := &sdk.Stacked{Arrays: map[string]*sdk.Tensor{}}
		for e := 0; e < n; e++ {
			s.Epochs = append(s.Epochs, 100*e)
		}
		for name, sh := range sizes {
			d := make([]float32, n*sdk.NumElements(sh))
			for i := range d {
				d[i] = float32(rng.NormFloat64())
			}
			s.Arrays[name] = sdk.FromFloat32(d, append([]int{n}, sh...)...)
		}
		in := map[string]*sdk.Stacked{Input: s}
		b.Run(fmt.Sprintf("p=113/epochs=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := New().AnalyzeAcross(context.Background(), &sdk.Run{}, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
